//! Session ids: 15 random bytes in URL-safe base64 (20 characters), like the reference's
//! `base64id`, stored inline so that an id is `Copy` and costs no allocation.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::fmt;

/// The length of an encoded id.
const LEN: usize = 20;

/// An Engine.IO session id (also the shape of Socket.IO socket ids).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sid([u8; LEN]);

impl Sid {
    /// A fresh random id.
    pub fn random() -> Self {
        let raw: [u8; 15] = rand::random();
        let mut out = [0u8; LEN];
        let n = URL_SAFE_NO_PAD
            .encode_slice(raw, &mut out)
            .expect("15 bytes encode to 20 characters");
        debug_assert_eq!(n, LEN);
        Sid(out)
    }

    /// Parses an id received from a client. Anything that is not 20 URL-safe base64 characters
    /// cannot be one of ours.
    pub fn parse(s: &str) -> Option<Self> {
        let bytes: [u8; LEN] = s.as_bytes().try_into().ok()?;
        bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
            .then_some(Sid(bytes))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ids are ASCII")
    }
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sid({})", self.as_str())
    }
}

impl serde::Serialize for Sid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A socket id: random for Socket.IO v5 clients; for v2 clients (Engine.IO v3), the form they
/// compute themselves, the Engine.IO id on `/` and `nsp#id` elsewhere, as the reference does.
/// It names the room the socket is alone in.
pub type SocketId = crate::protocol::Str;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_parse_back_and_differ() {
        let a = Sid::random();
        let b = Sid::random();
        assert_ne!(a, b);
        assert_eq!(Sid::parse(a.as_str()), Some(a));
    }

    #[test]
    fn rejects_foreign_ids() {
        assert_eq!(Sid::parse("short"), None);
        assert_eq!(Sid::parse("aaaaaaaaaaaaaaaaaaa="), None);
        assert_eq!(Sid::parse("aaaaaaaaaaaaaaaaaaaaa"), None);
    }
}
