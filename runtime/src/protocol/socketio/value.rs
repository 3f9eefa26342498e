//! [`Value`]: any argument a client can send, binary included.

use bytes::Bytes;
use indexmap::IndexMap;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A dynamic value: JSON, plus binary data at any depth, as Socket.IO carries it.
///
/// It is what `serde_json::Value` is for JSON, for a server that does not know (or does not
/// care about) the shape of what it receives: read from [`Args`](crate::Args), every binary
/// attachment is a [`Value::Binary`] where the client put its `Buffer` or `ArrayBuffer`, and
/// sent back (as an argument, an acknowledgement or a field of a struct), every `Binary` is an
/// attachment again. Objects keep their keys in the order they came in.
///
/// ```
/// use socketry::{Args, Value};
/// use bytes::Bytes;
///
/// // What a client sent: `socket.emit("upload", { name: "a.png", data: buffer })`.
/// let args: Args = [Value::from_iter([
///     ("name", Value::from("a.png")),
///     ("data", Value::from(Bytes::from_static(&[1, 2, 3]))),
/// ])]
/// .into_iter()
/// .collect();
///
/// let file: Value = args.get(0).unwrap();
/// assert_eq!(file["name"].as_str(), Some("a.png"));
/// assert_eq!(file["data"].as_bytes().map(|b| b.len()), Some(3));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Value {
    /// `null` (also what `undefined` becomes on the way).
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(serde_json::Number),
    /// A string. (Not named `String`: a public item of that name would make rustc spell out
    /// `std::string::String` in every type error of the crates that use this one.)
    Text(String),
    /// Binary data: a `Buffer`, `ArrayBuffer` or typed array on the client's side.
    Binary(Bytes),
    /// An array.
    Array(Vec<Value>),
    /// An object, its keys in order.
    Object(IndexMap<String, Value>),
}

static NULL: Value = Value::Null;

impl Value {
    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number as an `i64`, if it is an integer that fits.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// The number as a `u64`, if it is a non-negative integer that fits.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    /// The number as an `f64`.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The binary data, if this is some.
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match self {
            Value::Binary(b) => Some(b),
            _ => None,
        }
    }

    /// The items, if this is an array.
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The entries, if this is an object.
    pub fn as_object(&self) -> Option<&IndexMap<String, Value>> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    /// The value at `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|m| m.get(key))
    }

    /// Whether binary data is anywhere inside.
    pub fn has_binary(&self) -> bool {
        match self {
            Value::Binary(_) => true,
            Value::Array(items) => items.iter().any(Value::has_binary),
            Value::Object(map) => map.values().any(Value::has_binary),
            _ => false,
        }
    }

    /// The value `value` serializes to, binary data (`bytes::Bytes`, `serde_bytes`) kept as
    /// [`Value::Binary`]: the form a socket's data takes to cross to another node.
    ///
    /// ```
    /// use socketry::Value;
    /// #[derive(serde::Serialize)]
    /// struct User { name: &'static str, avatar: bytes::Bytes }
    /// let v = Value::from_serialize(&User { name: "ann", avatar: bytes::Bytes::from_static(b"\x89PNG") }).unwrap();
    /// assert_eq!(v["name"].as_str(), Some("ann"));
    /// assert!(v["avatar"].as_bytes().is_some());
    /// ```
    pub fn from_serialize<T: Serialize + ?Sized>(
        value: &T,
    ) -> Result<Value, crate::protocol::socketio::EncodeError> {
        let args = crate::protocol::socketio::encode::to_args(&(value,))?;
        Ok(args.iter().next().unwrap_or_default())
    }

    /// Reads this value as a `T`: binary data goes to the fields that take bytes.
    pub fn deserialize_into<T: de::DeserializeOwned>(self) -> Result<T, serde_json::Error> {
        T::deserialize(self)
    }
}

/// `value["key"]`: the value at `key`, or `null` when there is none.
impl std::ops::Index<&str> for Value {
    type Output = Value;
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

/// `value[i]`: item `i` of an array, or `null` when there is none.
impl std::ops::Index<usize> for Value {
    type Output = Value;
    fn index(&self, i: usize) -> &Value {
        self.as_array().and_then(|a| a.get(i)).unwrap_or(&NULL)
    }
}

impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Self {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n),
            serde_json::Value::String(s) => Value::Text(s),
            serde_json::Value::Array(a) => Value::Array(a.into_iter().map(Value::from).collect()),
            serde_json::Value::Object(m) => {
                Value::Object(m.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
            }
        }
    }
}

impl From<Bytes> for Value {
    fn from(b: Bytes) -> Self {
        Value::Binary(b)
    }
}
impl From<Vec<u8>> for Value {
    /// Binary data (an array of values is [`Value::from_iter`]).
    fn from(b: Vec<u8>) -> Self {
        Value::Binary(Bytes::from(b))
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
macro_rules! from_number {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Self {
                Value::Number(n.into())
            }
        }
    )*};
}
from_number!(i8, i16, i32, i64, u8, u16, u32, u64, isize, usize);
impl From<f64> for Value {
    /// A finite number; NaN and infinities become `null`, as in JSON.
    fn from(n: f64) -> Self {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

impl<T: Into<Value>> FromIterator<T> for Value {
    /// An array.
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Value::Array(iter.into_iter().map(Into::into).collect())
    }
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Value {
    /// An object, its keys in this order.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Value::Object(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => n.serialize(s),
            Value::Text(v) => s.serialize_str(v),
            // An attachment when sent; elsewhere, what the format does with bytes.
            Value::Binary(b) => s.serialize_bytes(b),
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Value::Object(map) => {
                let mut m = s.serialize_map(Some(map.len()))?;
                for (k, v) in map {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value or binary data")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Text(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Text(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Binary(Bytes::copy_from_slice(v)))
    }
    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Value, E> {
        Ok(Value::Binary(Bytes::from(v)))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = IndexMap::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

/// A `Value` read as another type (`Value::deserialize_into`): binary data goes to the types
/// that ask for bytes or for a sequence of `u8`.
impl<'de> Deserializer<'de> for Value {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => n.deserialize_any(visitor),
            Value::Text(s) => visitor.visit_string(s),
            Value::Binary(b) => visitor.visit_byte_buf(b.to_vec()),
            Value::Array(items) => {
                visitor.visit_seq(de::value::SeqDeserializer::new(items.into_iter()))
            }
            Value::Object(map) => {
                visitor.visit_map(de::value::MapDeserializer::new(map.into_iter()))
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            // `Vec<u8>` asks for a sequence, not for bytes.
            Value::Binary(b) => {
                visitor.visit_seq(de::value::SeqDeserializer::new(b.iter().copied()))
            }
            other => other.deserialize_any(visitor),
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
        match self {
            Value::Text(s) => visitor.visit_enum(de::IntoDeserializer::into_deserializer(s)),
            Value::Object(map) if map.len() == 1 => {
                let (variant, value) = map.into_iter().next().expect("one entry");
                visitor.visit_enum(de::value::MapAccessDeserializer::new(
                    de::value::MapDeserializer::new(std::iter::once((variant, value))),
                ))
            }
            other => Err(de::Error::invalid_type(
                other.unexpected(),
                &format!("enum {name} (one of {variants:?})").as_str(),
            )),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct tuple tuple_struct map struct identifier ignored_any
    }
}

impl de::IntoDeserializer<'_, serde_json::Error> for Value {
    type Deserializer = Value;
    fn into_deserializer(self) -> Value {
        self
    }
}

impl Value {
    fn unexpected(&self) -> de::Unexpected<'_> {
        match self {
            Value::Null => de::Unexpected::Unit,
            Value::Bool(b) => de::Unexpected::Bool(*b),
            Value::Number(_) => de::Unexpected::Other("number"),
            Value::Text(s) => de::Unexpected::Str(s),
            Value::Binary(b) => de::Unexpected::Bytes(b),
            Value::Array(_) => de::Unexpected::Seq,
            Value::Object(_) => de::Unexpected::Map,
        }
    }
}

impl fmt::Display for Value {
    /// As JSON, binary data written as `{"_placeholder":true,"num":N}` as on the wire.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Vec::new();
        let mut attachments = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(
            &mut out,
            super::binary::PlaceholderFormatter {
                attachments: &mut attachments,
            },
        );
        self.serialize(&mut ser).map_err(|_| fmt::Error)?;
        f.write_str(&String::from_utf8_lossy(&out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::socketio::encode;

    fn file() -> Value {
        Value::from_iter([
            ("z", Value::from("last key first")),
            ("data", Value::from(Bytes::from_static(&[1, 2]))),
            (
                "nested",
                Value::from_iter([Value::Null, Value::from(vec![3u8])]),
            ),
        ])
    }

    #[test]
    fn binary_at_any_depth_becomes_attachments_in_key_order() {
        let p = encode::event("/", "e", &file(), None).unwrap();
        assert_eq!(
            &*p.text(),
            r#"52-["e",{"z":"last key first","data":{"_placeholder":true,"num":0},"nested":[null,{"_placeholder":true,"num":1}]}]"#
        );
        assert_eq!(
            p.attachments,
            [Bytes::from_static(&[1, 2]), Bytes::from_static(&[3])]
        );
    }

    #[test]
    fn reads_back_into_typed_structs_and_from_json() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct File {
            z: String,
            data: Bytes,
            nested: (Option<u8>, Vec<u8>),
        }
        let f: File = file().deserialize_into().unwrap();
        assert_eq!(
            f,
            File {
                z: "last key first".into(),
                data: Bytes::from_static(&[1, 2]),
                nested: (None, vec![3]),
            }
        );
        let v: Value = serde_json::from_str(r#"{"b":1,"a":[true,1.5,"x"]}"#).unwrap();
        assert_eq!(v.to_string(), r#"{"b":1,"a":[true,1.5,"x"]}"#);
        assert_eq!(v["a"][1].as_f64(), Some(1.5));
        assert!(v["missing"][3].is_null());
        assert_eq!(
            Value::from(serde_json::json!({"k": [1]})),
            Value::from_iter([("k", Value::from_iter([1]))])
        );
    }
}
