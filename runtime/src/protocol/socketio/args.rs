//! [`Args`]: the arguments of a received event or acknowledgement.

use super::binary;
use super::packet::RawArgs;
use super::value::Value;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::ser::SerializeTuple;
use serde_json::value::RawValue;
use std::fmt;

/// The arguments a client sent with an event or an acknowledgement, kept as JSON text (and the
/// binary attachments that came with them) until a handler asks for them in a type of its own.
///
/// ```
/// use socketry::Args;
///
/// let args = Args::from_json(r#"[1, "two", {"three": [3]}]"#).unwrap();
/// assert_eq!(args.len(), 3);
/// assert_eq!(args.get::<u32>(0).unwrap(), 1);
/// let (n, s, o): (u32, String, serde_json::Value) = args.deserialize().unwrap();
/// assert_eq!((n, s.as_str(), o["three"][0].as_u64()), (1, "two", Some(3)));
/// ```
///
/// Sent back with `emit`, `Args` spreads into as many arguments, binary attachments included.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Args {
    raw: RawArgs,
    attachments: Vec<Bytes>,
}

impl fmt::Debug for Args {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut l = f.debug_list();
        for a in self.raw.iter() {
            l.entry(&format_args!("{a}"));
        }
        l.finish()?;
        if !self.attachments.is_empty() {
            write!(f, " + {} attachment(s)", self.attachments.len())?;
        }
        Ok(())
    }
}

/// An argument that does not have the type asked for.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArgsError {
    /// There is no argument at this index.
    #[error("no argument at index {0}")]
    Missing(usize),
    /// More arguments than the event takes.
    #[error("expected at most {expected} argument(s), got {got}")]
    Extra {
        /// How many the event takes.
        expected: usize,
        /// How many came.
        got: usize,
    },
    /// The JSON does not match the type.
    #[error("invalid arguments")]
    Invalid(#[from] serde_json::Error),
    /// Argument `index` does not match its declared type.
    #[error("the argument at index {index} is not a `{expected}`: {reason}")]
    Argument {
        /// Its position, from 0.
        index: usize,
        /// The declared type, without module paths (`Vec<String>`, `Payload`).
        expected: String,
        /// What serde found, without the position in the re-serialized JSON (which is not what
        /// the client sent).
        reason: String,
        /// The error itself.
        #[source]
        source: serde_json::Error,
    },
}

/// `alloc::vec::Vec<my_app::Payload>` as `Vec<Payload>`.
fn short_type_name(full: &str) -> String {
    let mut out = String::with_capacity(full.len());
    let mut segment = String::new();
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            segment.push(c);
        } else {
            out.push_str(segment.rsplit("::").next().unwrap_or(""));
            segment.clear();
            out.push(c);
        }
    }
    out.push_str(segment.rsplit("::").next().unwrap_or(""));
    out
}

/// serde_json's message without ` at line L column C`.
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&suffix) {
        Some(text) if e.line() > 0 => text.to_owned(),
        _ => text,
    }
}

impl Args {
    pub(crate) fn new(raw: RawArgs, attachments: Vec<Bytes>) -> Self {
        Args { raw, attachments }
    }

    /// Arguments from a JSON array (without attachments).
    pub fn from_json(json: &str) -> Result<Self, ArgsError> {
        let raw = RawArgs::parse(json.into()).map_err(|_| {
            ArgsError::Invalid(serde::de::Error::custom("arguments must be a JSON array"))
        })?;
        Ok(Args::new(raw, Vec::new()))
    }

    /// How many arguments there are.
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The JSON text of argument `i` (binary attachments appear as placeholders).
    pub fn json(&self, i: usize) -> Option<&str> {
        self.raw.get(i)
    }

    /// The binary attachments, in placeholder order.
    pub fn attachments(&self) -> &[Bytes] {
        &self.attachments
    }

    /// Argument `i` as a `T`. Placeholders become bytes wherever `T` has `Bytes` or `Vec<u8>`.
    pub fn get<T: DeserializeOwned>(&self, i: usize) -> Result<T, ArgsError> {
        let json = self.raw.get(i).ok_or(ArgsError::Missing(i))?;
        if self.attachments.is_empty() {
            return Ok(serde_json::from_str(json)?);
        }
        let value: serde_json::Value = serde_json::from_str(json)?;
        Ok(T::deserialize(binary::Deserializer {
            value: &value,
            attachments: &self.attachments,
        })?)
    }

    /// All the arguments as one `T`: a tuple, a `Vec`, or a struct deserialized from a sequence.
    /// Fails when there are more or fewer arguments than `T` takes.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, ArgsError> {
        self.deserialize_n(self.len())
    }

    fn deserialize_n<T: DeserializeOwned>(&self, n: usize) -> Result<T, ArgsError> {
        let items = self.raw.iter().take(n);
        if self.attachments.is_empty() {
            let mut json = String::with_capacity(
                2 + self.raw.iter().take(n).map(|a| a.len() + 1).sum::<usize>(),
            );
            json.push('[');
            for (i, a) in items.enumerate() {
                if i > 0 {
                    json.push(',');
                }
                json.push_str(a);
            }
            json.push(']');
            return Ok(serde_json::from_str(&json)?);
        }
        let values = items
            .map(serde_json::from_str)
            .collect::<Result<Vec<serde_json::Value>, _>>()?;
        let value = serde_json::Value::Array(values);
        Ok(T::deserialize(binary::Deserializer {
            value: &value,
            attachments: &self.attachments,
        })?)
    }
}

impl Args {
    /// Argument `i` as a `T`, a missing one read as JSON `null` (so an `Option` may be left
    /// out, as a JavaScript client leaves out `undefined`); a mismatch names its position.
    pub(crate) fn decode_arg<T: DeserializeOwned>(&self, i: usize) -> Result<T, ArgsError> {
        let decoded = match self.get(i) {
            Err(ArgsError::Missing(_)) => serde_json::from_str("null").map_err(ArgsError::Invalid),
            r => r,
        };
        decoded.map_err(|e| match e {
            ArgsError::Invalid(source) => ArgsError::Argument {
                index: i,
                expected: short_type_name(std::any::type_name::<T>()),
                reason: without_position(&source),
                source,
            },
            e => e,
        })
    }

    /// Every argument as a [`Value`], binary data where the client put it.
    ///
    /// ```
    /// use socketry::{Args, Value};
    ///
    /// let args = Args::from_json(r#"["room", {"text": "hi"}, 3]"#).unwrap();
    /// let rest: Args = args.iter().skip(1).collect(); // re-emitted without the room
    /// assert_eq!(rest.len(), 2);
    /// assert_eq!(rest.get::<Value>(0).unwrap()["text"].as_str(), Some("hi"));
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Value> + '_ {
        // What arrived was checked on arrival (JSON, placeholders that name an attachment), so
        // reading it as a `Value` cannot fail.
        (0..self.len()).map(|i| self.get::<Value>(i).unwrap_or_default())
    }

    /// Arguments `range` of these, with the binary data they hold (and no other).
    pub fn slice(&self, range: impl std::ops::RangeBounds<usize>) -> Args {
        use std::ops::Bound;
        let start = match range.start_bound() {
            Bound::Included(&n) => n,
            Bound::Excluded(&n) => n + 1,
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(&n) => n + 1,
            Bound::Excluded(&n) => n,
            Bound::Unbounded => self.len(),
        }
        .min(self.len());
        self.iter()
            .skip(start)
            .take(end.saturating_sub(start))
            .collect()
    }
}

impl FromIterator<Value> for Args {
    /// Arguments made of values: their binary data becomes the attachments.
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Self {
        let mut json = Vec::from(*b"[");
        let mut attachments = Vec::new();
        for (i, v) in iter.into_iter().enumerate() {
            if i > 0 {
                json.push(b',');
            }
            let mut ser = serde_json::Serializer::with_formatter(
                &mut json,
                binary::PlaceholderFormatter {
                    attachments: &mut attachments,
                },
            );
            serde::Serialize::serialize(&v, &mut ser).expect("a Value is JSON with bytes");
        }
        json.push(b']');
        let text = String::from_utf8(json).expect("JSON is UTF-8");
        let raw = RawArgs::parse(text.into()).expect("an array of JSON values");
        Args::new(raw, attachments)
    }
}

impl serde::Serialize for Args {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error;
        let mut t = s.serialize_tuple(self.len())?;
        for json in self.raw.iter() {
            if self.attachments.is_empty() {
                let raw: &RawValue = serde_json::from_str(json).map_err(S::Error::custom)?;
                t.serialize_element(raw)?;
            } else {
                let value: serde_json::Value =
                    serde_json::from_str(json).map_err(S::Error::custom)?;
                t.serialize_element(&binary::WithAttachments {
                    value: &value,
                    attachments: &self.attachments,
                })?;
            }
        }
        t.end()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_mismatch_names_the_argument_and_its_type_without_json_positions() {
        let args = Args::from_json(r#"[1, "forty"]"#).unwrap();
        let e = args.decode_arg::<Vec<String>>(1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the argument at index 1 is not a `Vec<String>`: invalid type: string \"forty\", expected a sequence"
        );
        let e = args.decode_arg::<i64>(1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the argument at index 1 is not a `i64`: invalid type: string \"forty\", expected i64"
        );
        assert_eq!(
            super::short_type_name("core::option::Option<alloc::vec::Vec<my_app::Payload>>"),
            "Option<Vec<Payload>>"
        );
    }

    use super::*;

    #[test]
    fn typed_access() {
        let args = Args::from_json(r#"[1,"x",[true]]"#).unwrap();
        assert_eq!(args.get::<i64>(0).unwrap(), 1);
        assert!(args.get::<i64>(1).is_err());
        assert!(matches!(args.get::<i64>(7), Err(ArgsError::Missing(7))));
        let all: (u8, String, Vec<bool>) = args.deserialize().unwrap();
        assert_eq!(all, (1, "x".into(), vec![true]));
        assert!(args.deserialize::<(u8, String)>().is_err());
        let values: Vec<serde_json::Value> = args.deserialize().unwrap();
        assert_eq!(values.len(), 3);
    }

    #[test]
    fn values_keep_binary_through_iteration_slicing_and_building() {
        let raw = RawArgs::parse(
            r#"["a",{"z":1,"f":{"_placeholder":true,"num":1}},{"_placeholder":true,"num":0}]"#
                .into(),
        )
        .unwrap();
        let args = Args::new(
            raw,
            vec![Bytes::from_static(&[1]), Bytes::from_static(&[2, 2])],
        );
        let values: Vec<Value> = args.iter().collect();
        assert_eq!(
            values[1]["f"].as_bytes().unwrap(),
            &Bytes::from_static(&[2, 2])
        );
        assert_eq!(values[2].as_bytes().unwrap(), &Bytes::from_static(&[1]));
        let rest = args.slice(1..);
        assert_eq!(rest.len(), 2);
        assert_eq!(
            rest.json(0),
            Some(r#"{"z":1,"f":{"_placeholder":true,"num":0}}"#)
        );
        assert_eq!(
            rest.attachments(),
            [Bytes::from_static(&[2, 2]), Bytes::from_static(&[1])]
        );
        assert_eq!(args.slice(..1).attachments(), [] as [Bytes; 0]);
        assert_eq!(args.slice(5..).len(), 0);
        let p = crate::protocol::socketio::encode::event("/", "e", &rest, None).unwrap();
        assert_eq!(
            &*p.text(),
            r#"52-["e",{"z":1,"f":{"_placeholder":true,"num":0}},{"_placeholder":true,"num":1}]"#
        );
    }

    #[test]
    fn binary_access() {
        let raw = RawArgs::parse(r#"["a",{"_placeholder":true,"num":0}]"#.into()).unwrap();
        let args = Args::new(raw, vec![Bytes::from_static(&[9, 8])]);
        assert_eq!(args.get::<Bytes>(1).unwrap(), Bytes::from_static(&[9, 8]));
        let (s, v): (String, Vec<u8>) = args.deserialize().unwrap();
        assert_eq!((s.as_str(), v), ("a", vec![9, 8]));
    }
}
