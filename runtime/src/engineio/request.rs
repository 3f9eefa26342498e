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
        for pair in query.unwrap_or("").split('&') {
            // Most pairs have nothing to decode: those are split here, and the others decoded
            // as `form_urlencoded` does.
            let (k, v) = if pair.bytes().any(|b| b == b'%' || b == b'+') {
                match form_urlencoded::parse(pair.as_bytes()).next() {
                    Some(kv) => kv,
                    None => continue,
                }
            } else if pair.is_empty() {
                continue;
            } else {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (Cow::Borrowed(k), Cow::Borrowed(v))
            };
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
    fn splits_as_form_urlencoded_does() {
        for query in [
            "",
            "&&",
            "EIO=4&&transport=polling&",
            "EIO&transport=&sid==x=",
            "sid=a+b&transport=web%73ocket",
            "%45IO=3&b64=1",
            "b64=0&sid=%FF%FE",
            "t=%zz&EIO=4",
        ] {
            let mut expected = EngineQuery::default();
            for (k, v) in form_urlencoded::parse(query.as_bytes()) {
                match &*k {
                    "EIO" => expected.eio = Some(v),
                    "transport" => expected.transport = Some(v),
                    "sid" => expected.sid = Some(v),
                    "b64" => expected.b64 = !v.is_empty() && v != "0" && v != "false",
                    _ => {}
                }
            }
            assert_eq!(EngineQuery::parse(Some(query)), expected, "{query}");
        }
    }

    #[test]
    fn last_value_wins_like_node() {
        let q = EngineQuery::parse(Some("EIO=3&EIO=4"));
        assert_eq!(q.eio.as_deref(), Some("4"));
    }
}
