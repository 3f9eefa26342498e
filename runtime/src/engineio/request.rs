//! What the server knows of the HTTP request that opened a session.

pub use crate::protocol::RequestInfo;
use std::borrow::Cow;

/// The query parameters Engine.IO reads.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct EngineQuery<'a> {
    // Borrowed from the request unless percent-encoded: every request parses these.
    pub(crate) eio: Option<Cow<'a, str>>,
    pub(crate) transport: Option<Cow<'a, str>>,
    pub(crate) sid: Option<Cow<'a, str>>,
    /// `b64`: a v3 client that cannot take binary data.
    pub(crate) b64: bool,
}

impl<'a> EngineQuery<'a> {
    pub(crate) fn parse(query: Option<&'a str>) -> Self {
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
            *slot = Some(v);
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
    fn last_value_wins_like_node() {
        let q = EngineQuery::parse(Some("EIO=3&EIO=4"));
        assert_eq!(q.eio.as_deref(), Some("4"));
    }
}
