//! [`Str`]: a cheaply cloneable UTF-8 string backed by [`Bytes`].
//!
//! Engine.IO text messages travel through queues and, for broadcasts, to many sessions at once.
//! Backing them by `Bytes` lets one encoded message be shared by every receiver without copying,
//! and lets decoded messages borrow from the frame or request body they arrived in.

use bytes::Bytes;
use bytestring::ByteString;
use std::fmt;
use std::ops::Deref;

/// An immutable UTF-8 string that clones in O(1). Its UTF-8 is checked once, when it is made.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Str(ByteString);

// Hashes as `str` does, so that a `Str` key can be looked up with a `&str`.
impl std::hash::Hash for Str {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl std::borrow::Borrow<str> for Str {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl Str {
    /// A `Str` from a string literal, without allocating.
    pub const fn from_static(s: &'static str) -> Self {
        Str(ByteString::from_static(s))
    }

    /// Validates `bytes` as UTF-8 and wraps them without copying.
    pub fn from_utf8(bytes: Bytes) -> Result<Self, std::str::Utf8Error> {
        ByteString::try_from(bytes).map(Str)
    }

    /// The string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The underlying bytes.
    pub fn as_bytes(&self) -> &Bytes {
        self.0.as_bytes()
    }

    /// Gives back the underlying bytes.
    pub fn into_bytes(self) -> Bytes {
        self.0.into_bytes()
    }

    /// A sub-string sharing the same buffer. Panics, like `str` indexing, if `range` does not fall
    /// on character boundaries.
    pub fn slice(&self, range: std::ops::Range<usize>) -> Str {
        Str(self.0.slice_ref(&self.as_str()[range]))
    }
}

impl Deref for Str {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Str {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for Str {
    fn from(s: String) -> Self {
        Str(ByteString::from(s))
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Self {
        Str(ByteString::from(s))
    }
}

impl serde::Serialize for Str {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_share_the_buffer() {
        let s = Str::from("4héllo");
        let tail = s.slice(1..s.len());
        assert_eq!(&*tail, "héllo");
        assert_eq!(tail.as_bytes().as_ptr(), unsafe_free_offset(&s, 1));
    }

    fn unsafe_free_offset(s: &Str, n: usize) -> *const u8 {
        s.as_bytes()[n..].as_ptr()
    }

    #[test]
    fn rejects_invalid_utf8() {
        assert!(Str::from_utf8(Bytes::from_static(&[0xff, 0xfe])).is_err());
    }

    #[test]
    #[should_panic]
    fn slice_off_a_char_boundary_panics() {
        Str::from("é").slice(0..1);
    }
}
