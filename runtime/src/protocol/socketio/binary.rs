//! Binary attachments. On the way out, every byte array a value serializes
//! (`serialize_bytes`: `bytes::Bytes`, `serde_bytes`, …) becomes a placeholder
//! `{"_placeholder":true,"num":N}` and an attachment, at any depth. On the way in, placeholders
//! are checked against the attachments received and turned back into bytes for the types that
//! ask for bytes (or a sequence of `u8`). Pure: no I/O.

use super::packet::ParseError;
use bytes::Bytes;
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::Value;
use std::io;

/// A JSON formatter that writes byte arrays as placeholders and keeps the bytes aside.
#[derive(Debug)]
pub(crate) struct PlaceholderFormatter<'a> {
    pub(crate) attachments: &'a mut Vec<Bytes>,
}

impl serde_json::ser::Formatter for PlaceholderFormatter<'_> {
    fn write_byte_array<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        value: &[u8],
    ) -> io::Result<()> {
        write!(
            w,
            "{{\"_placeholder\":true,\"num\":{}}}",
            self.attachments.len()
        )?;
        self.attachments.push(Bytes::copy_from_slice(value));
        Ok(())
    }
}

/// The attachment a JSON object stands for, if it is a placeholder.
fn placeholder(map: &serde_json::Map<String, Value>) -> Option<Option<usize>> {
    if map.get("_placeholder") != Some(&Value::Bool(true)) {
        return None;
    }
    Some(map.get("num").and_then(Value::as_u64).map(|n| n as usize))
}

/// Checks that every placeholder in `value` names one of `count` attachments (the reference's
/// "illegal attachments" error otherwise).
pub(crate) fn check_placeholders(value: &Value, count: usize) -> Result<(), ParseError> {
    match value {
        Value::Array(items) => items.iter().try_for_each(|v| check_placeholders(v, count)),
        Value::Object(map) => match placeholder(map) {
            Some(Some(n)) if n < count => Ok(()),
            Some(_) => Err(ParseError::InvalidPlaceholder),
            None => map.values().try_for_each(|v| check_placeholders(v, count)),
        },
        _ => Ok(()),
    }
}

/// Serializes a JSON value, writing placeholders back as bytes so that they are re-numbered
/// among the attachments of the packet being encoded.
pub(crate) struct WithAttachments<'a> {
    pub(crate) value: &'a Value,
    pub(crate) attachments: &'a [Bytes],
}

impl serde::Serialize for WithAttachments<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self.value {
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    seq.serialize_element(&self.with(v))?;
                }
                seq.end()
            }
            Value::Object(map) => {
                if let Some(Some(n)) = placeholder(map)
                    && let Some(data) = self.attachments.get(n)
                {
                    return s.serialize_bytes(data);
                }
                let mut m = s.serialize_map(Some(map.len()))?;
                for (k, v) in map {
                    m.serialize_entry(k, &self.with(v))?;
                }
                m.end()
            }
            other => other.serialize(s),
        }
    }
}

impl<'a> WithAttachments<'a> {
    fn with(&self, value: &'a Value) -> Self {
        WithAttachments {
            value,
            attachments: self.attachments,
        }
    }
}

/// Deserializes from a JSON value whose placeholders stand for `attachments`: a placeholder
/// becomes bytes (for `Bytes`, `Vec<u8>`, `serde_bytes::ByteBuf`, …).
pub(crate) struct Deserializer<'a> {
    pub(crate) value: &'a Value,
    pub(crate) attachments: &'a [Bytes],
}

impl<'a> Deserializer<'a> {
    fn with(&self, value: &'a Value) -> Self {
        Deserializer {
            value,
            attachments: self.attachments,
        }
    }

    fn bytes(&self) -> Option<&'a Bytes> {
        match self.value {
            Value::Object(map) => placeholder(map)
                .flatten()
                .and_then(|n| self.attachments.get(n)),
            _ => None,
        }
    }
}

impl<'de> de::Deserializer<'de> for Deserializer<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        if let Some(bytes) = self.bytes() {
            return visitor.visit_borrowed_bytes(bytes);
        }
        match self.value {
            Value::Array(items) => visitor.visit_seq(Seq {
                iter: items.iter(),
                de: self,
            }),
            Value::Object(map) => visitor.visit_map(Map {
                iter: map.iter(),
                next: None,
                de: self,
            }),
            other => de::Deserializer::deserialize_any(other, visitor),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        // `Vec<u8>` asks for a sequence, not for bytes.
        if let Some(bytes) = self.bytes() {
            return visitor.visit_seq(de::value::SeqDeserializer::new(bytes.iter().copied()));
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        // Bytes inside enum variants are not looked for; plain JSON rules apply there.
        de::Deserializer::deserialize_enum(self.value, name, variants, visitor)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct tuple tuple_struct map struct identifier ignored_any
    }
}

struct Seq<'a> {
    iter: std::slice::Iter<'a, Value>,
    de: Deserializer<'a>,
}

impl<'de> SeqAccess<'de> for Seq<'de> {
    type Error = serde_json::Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        self.iter
            .next()
            .map(|v| seed.deserialize(self.de.with(v)))
            .transpose()
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct Map<'a> {
    iter: serde_json::map::Iter<'a>,
    next: Option<&'a Value>,
    de: Deserializer<'a>,
}

impl<'de> MapAccess<'de> for Map<'de> {
    type Error = serde_json::Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        match self.iter.next() {
            Some((k, v)) => {
                self.next = Some(v);
                seed.deserialize(k.as_str().into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        let v = self
            .next
            .take()
            .ok_or_else(|| de::Error::custom("value without key"))?;
        seed.deserialize(self.de.with(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[test]
    fn formatter_writes_placeholders() {
        #[derive(serde::Serialize)]
        struct File<'a> {
            name: &'a str,
            #[serde(with = "serde_bytes_ref")]
            data: &'a [u8],
        }
        mod serde_bytes_ref {
            pub(super) fn serialize<S: serde::Serializer>(
                v: &&[u8],
                s: S,
            ) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(v)
            }
        }
        let mut out = Vec::new();
        let mut attachments = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(
            &mut out,
            PlaceholderFormatter {
                attachments: &mut attachments,
            },
        );
        let value = (
            Bytes::from_static(b"ab"),
            vec![File {
                name: "x",
                data: b"cd",
            }],
        );
        serde::Serialize::serialize(&value, &mut ser).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"[{"_placeholder":true,"num":0},[{"name":"x","data":{"_placeholder":true,"num":1}}]]"#
        );
        assert_eq!(
            attachments,
            vec![Bytes::from_static(b"ab"), Bytes::from_static(b"cd")]
        );
    }

    #[test]
    fn placeholders_are_checked() {
        let v = json!([{"a": {"_placeholder": true, "num": 1}}]);
        assert_eq!(check_placeholders(&v, 2), Ok(()));
        assert_eq!(
            check_placeholders(&v, 1),
            Err(ParseError::InvalidPlaceholder)
        );
        let bad = json!({"_placeholder": true, "num": "0"});
        assert_eq!(
            check_placeholders(&bad, 1),
            Err(ParseError::InvalidPlaceholder)
        );
    }

    #[test]
    fn placeholders_deserialize_as_bytes_at_any_depth() {
        #[derive(Deserialize, Debug, PartialEq)]
        struct File {
            name: String,
            data: Bytes,
            raw: Vec<u8>,
            maybe: Option<Bytes>,
        }
        let v = json!([{
            "name": "f",
            "data": {"_placeholder": true, "num": 0},
            "raw": {"_placeholder": true, "num": 1},
            "maybe": null
        }]);
        let attachments = [Bytes::from_static(&[1, 2]), Bytes::from_static(&[3])];
        let de = Deserializer {
            value: &v,
            attachments: &attachments,
        };
        let files: Vec<File> = Deserialize::deserialize(de).unwrap();
        assert_eq!(
            files,
            vec![File {
                name: "f".into(),
                data: Bytes::from_static(&[1, 2]),
                raw: vec![3],
                maybe: None
            }]
        );
    }

    #[test]
    fn values_with_placeholders_serialize_back_to_bytes() {
        let v = json!({"x": [{"_placeholder": true, "num": 1}]});
        let attachments = [Bytes::from_static(b"a"), Bytes::from_static(b"b")];
        let mut out = Vec::new();
        let mut collected = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(
            &mut out,
            PlaceholderFormatter {
                attachments: &mut collected,
            },
        );
        serde::Serialize::serialize(
            &WithAttachments {
                value: &v,
                attachments: &attachments,
            },
            &mut ser,
        )
        .unwrap();
        assert_eq!(collected, vec![Bytes::from_static(b"b")]);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"x":[{"_placeholder":true,"num":0}]}"#
        );
    }
}
