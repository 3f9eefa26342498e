//! What the server knows of the HTTP request that opened a session.

use bytes::{Bytes, BytesMut};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Method, Uri};
use std::net::SocketAddr;
use std::time::SystemTime;

/// The request that opened a session: the handshake's headers, URL and peer. Socket.IO's
/// `socket.handshake` is built from it.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    /// The method (`GET` for every handshake).
    pub method: Method,
    /// The full request URI, query included.
    pub uri: Uri,
    /// The request headers.
    pub headers: HeaderMap,
    /// The peer's address, when the server was started with connect info (as
    /// [`EngineIo::serve`](super::EngineIo::serve) and `into_make_service_with_connect_info` do).
    pub remote_addr: Option<SocketAddr>,
    /// When the request arrived.
    pub time: SystemTime,
}

impl RequestInfo {
    /// The request's details in allocations of their own. hyper parses the URI and header values
    /// as slices of the connection's read buffer (16 KiB): kept for the session's life, they would
    /// keep all of it, which was most of an idle WebSocket connection's memory.
    pub(crate) fn copied_from(parts: &Parts, remote_addr: Option<SocketAddr>) -> Self {
        // Every value in one allocation of exactly their size, sliced back out.
        let mut values = BytesMut::with_capacity(parts.headers.values().map(|v| v.len()).sum());
        for value in parts.headers.values() {
            values.extend_from_slice(value.as_bytes());
        }
        let mut values = values.freeze();
        let mut headers = HeaderMap::with_capacity(parts.headers.len());
        for (name, value) in &parts.headers {
            let bytes = values.split_to(value.len());
            let mut copy = HeaderValue::from_maybe_shared(bytes).unwrap_or_else(|_| value.clone());
            copy.set_sensitive(value.is_sensitive());
            headers.append(name.clone(), copy);
        }
        let uri = Uri::from_maybe_shared(Bytes::copy_from_slice(parts.uri.to_string().as_bytes()))
            .unwrap_or_else(|_| parts.uri.clone());
        RequestInfo {
            method: parts.method.clone(),
            uri,
            headers,
            remote_addr,
            time: SystemTime::now(),
        }
    }
}

/// The query parameters Engine.IO reads.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct EngineQuery {
    pub(crate) eio: Option<String>,
    pub(crate) transport: Option<String>,
    pub(crate) sid: Option<String>,
    /// `b64`: a v3 client that cannot take binary data.
    pub(crate) b64: bool,
}

impl EngineQuery {
    pub(crate) fn parse(query: Option<&str>) -> Self {
        let mut q = EngineQuery::default();
        for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let slot = match &*k {
                "EIO" => &mut q.eio,
                "transport" => &mut q.transport,
                "sid" => &mut q.sid,
                "b64" => {
                    q.b64 = !v.is_empty() && v != "0" && v != "false";
                    continue;
                }
                _ => continue,
            };
            // Node's `Object.fromEntries(searchParams)` keeps the last of repeated keys.
            *slot = Some(v.into_owned());
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_engine_parameters() {
        let q = EngineQuery::parse(Some("EIO=4&transport=polling&t=x&sid=ab%2Dc"));
        assert_eq!(q.eio.as_deref(), Some("4"));
        assert_eq!(q.transport.as_deref(), Some("polling"));
        assert_eq!(q.sid.as_deref(), Some("ab-c"));
        assert_eq!(EngineQuery::parse(None), EngineQuery::default());
    }

    #[test]
    fn copies_keep_everything_and_share_nothing() {
        let buffer = Bytes::from_static(b"/socket.io/?EIO=4&transport=websocket");
        let (mut parts, ()) = http::Request::builder()
            .uri(Uri::from_maybe_shared(buffer).unwrap())
            .header("x-token", "abc")
            .header("cookie", "a=1")
            .header("cookie", "b=2")
            .body(())
            .unwrap()
            .into_parts();
        parts
            .headers
            .get_mut("x-token")
            .unwrap()
            .set_sensitive(true);
        let info = RequestInfo::copied_from(&parts, None);
        assert_eq!(info.uri, parts.uri);
        assert_eq!(info.uri.query(), Some("EIO=4&transport=websocket"));
        assert_eq!(info.headers, parts.headers);
        assert!(info.headers["x-token"].is_sensitive());
        let cookies: Vec<_> = info.headers.get_all("cookie").iter().collect();
        assert_eq!(cookies, ["a=1", "b=2"]);
        // Not the same memory.
        assert_ne!(
            info.headers["x-token"].as_bytes().as_ptr(),
            parts.headers["x-token"].as_bytes().as_ptr()
        );
    }

    #[test]
    fn last_value_wins_like_node() {
        let q = EngineQuery::parse(Some("EIO=3&EIO=4"));
        assert_eq!(q.eio.as_deref(), Some("4"));
    }
}
