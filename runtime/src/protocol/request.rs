//! [`RequestInfo`]: the HTTP request that opened a session, as plain data.

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
    /// [`EngineIo::serve`](crate::engineio::EngineIo::serve) and `into_make_service_with_connect_info` do).
    pub remote_addr: Option<SocketAddr>,
    /// When the request arrived.
    pub time: SystemTime,
}

impl RequestInfo {
    /// The request's details in allocations of their own. hyper parses the URI and header values
    /// as slices of the connection's read buffer (16 KiB): kept for the session's life, they would
    /// keep all of it, most of an idle WebSocket connection's memory.
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
