//! MessagePack for [`Value`]: the encoding of what cluster nodes exchange (the Node reference's
//! `@msgpack/msgpack`), with binary data as `bin`, maps with string keys, and integers in the
//! smallest width.

use crate::protocol::socketio::Value;
use bytes::Bytes;
use indexmap::IndexMap;
use rmp::Marker;

/// Why bytes are not one MessagePack value this codec reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MsgpackError {
    /// The bytes end inside a value.
    #[error("truncated MessagePack")]
    Truncated,
    /// Bytes follow the value.
    #[error("trailing bytes after the MessagePack value")]
    Trailing,
    /// An extension type, a reserved marker, a map key that is not a string or a number, or a
    /// string that is not UTF-8.
    #[error("unsupported MessagePack: {0}")]
    Unsupported(&'static str),
    /// Deeper than [`MAX_DEPTH`].
    #[error("MessagePack nested too deeply")]
    TooDeep,
}

/// The deepest nesting of arrays and maps read (as the JSON parser's limit).
pub const MAX_DEPTH: usize = 128;

/// `value` as MessagePack.
pub fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write(&mut out, value);
    out
}

// Writing to a `Vec` cannot fail.
fn write(out: &mut Vec<u8>, value: &Value) {
    use rmp::encode as e;
    match value {
        Value::Null => e::write_nil(out).expect("vec"),
        Value::Bool(b) => e::write_bool(out, *b).expect("vec"),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                e::write_uint(out, u).expect("vec");
            } else if let Some(i) = n.as_i64() {
                e::write_sint(out, i).expect("vec");
            } else {
                let f = n.as_f64().unwrap_or(0.0);
                // As JavaScript, which has one number type: a whole number is an integer.
                if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
                    e::write_sint(out, f as i64).expect("vec");
                } else {
                    e::write_f64(out, f).expect("vec");
                }
            }
        }
        Value::Text(s) => e::write_str(out, s).expect("vec"),
        Value::Binary(b) => e::write_bin(out, b).expect("vec"),
        Value::Array(items) => {
            e::write_array_len(out, items.len() as u32).expect("vec");
            for item in items {
                write(out, item);
            }
        }
        Value::Object(map) => {
            e::write_map_len(out, map.len() as u32).expect("vec");
            for (k, v) in map {
                e::write_str(out, k).expect("vec");
                write(out, v);
            }
        }
    }
}

/// The one MessagePack value `bytes` hold.
pub fn decode(bytes: &[u8]) -> Result<Value, MsgpackError> {
    let mut reader = Reader { bytes, at: 0 };
    let value = reader.value(0)?;
    if reader.at != bytes.len() {
        return Err(MsgpackError::Trailing);
    }
    Ok(value)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], MsgpackError> {
        let end = self.at.checked_add(n).ok_or(MsgpackError::Truncated)?;
        let slice = self
            .bytes
            .get(self.at..end)
            .ok_or(MsgpackError::Truncated)?;
        self.at = end;
        Ok(slice)
    }

    fn uint(&mut self, width: usize) -> Result<u64, MsgpackError> {
        Ok(self
            .take(width)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    fn int(&mut self, width: usize) -> Result<i64, MsgpackError> {
        let u = self.uint(width)?;
        let shift = 64 - 8 * width as u32;
        Ok(((u << shift) as i64) >> shift)
    }

    fn text(&mut self, len: usize) -> Result<String, MsgpackError> {
        let bytes = self.take(len)?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| MsgpackError::Unsupported("a string that is not UTF-8"))
    }

    fn value(&mut self, depth: usize) -> Result<Value, MsgpackError> {
        if depth > MAX_DEPTH {
            return Err(MsgpackError::TooDeep);
        }
        let marker = Marker::from_u8(self.take(1)?[0]);
        let number = |n: serde_json::Number| Ok(Value::Number(n));
        match marker {
            Marker::Null => Ok(Value::Null),
            Marker::True => Ok(Value::Bool(true)),
            Marker::False => Ok(Value::Bool(false)),
            Marker::FixPos(n) => number(u64::from(n).into()),
            Marker::FixNeg(n) => number(i64::from(n).into()),
            Marker::U8 => number(self.uint(1)?.into()),
            Marker::U16 => number(self.uint(2)?.into()),
            Marker::U32 => number(self.uint(4)?.into()),
            Marker::U64 => number(self.uint(8)?.into()),
            Marker::I8 => number(self.int(1)?.into()),
            Marker::I16 => number(self.int(2)?.into()),
            Marker::I32 => number(self.int(4)?.into()),
            Marker::I64 => number(self.int(8)?.into()),
            Marker::F32 => {
                let f = f32::from_bits(self.uint(4)? as u32);
                Ok(float(f64::from(f)))
            }
            Marker::F64 => Ok(float(f64::from_bits(self.uint(8)?))),
            Marker::FixStr(n) => self.text(usize::from(n)).map(Value::Text),
            Marker::Str8 => {
                let n = self.uint(1)? as usize;
                self.text(n).map(Value::Text)
            }
            Marker::Str16 => {
                let n = self.uint(2)? as usize;
                self.text(n).map(Value::Text)
            }
            Marker::Str32 => {
                let n = self.uint(4)? as usize;
                self.text(n).map(Value::Text)
            }
            Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => {
                let width = match marker {
                    Marker::Bin8 => 1,
                    Marker::Bin16 => 2,
                    _ => 4,
                };
                let n = self.uint(width)? as usize;
                Ok(Value::Binary(Bytes::copy_from_slice(self.take(n)?)))
            }
            Marker::FixArray(n) => self.array(usize::from(n), depth),
            Marker::Array16 => {
                let n = self.uint(2)? as usize;
                self.array(n, depth)
            }
            Marker::Array32 => {
                let n = self.uint(4)? as usize;
                self.array(n, depth)
            }
            Marker::FixMap(n) => self.map(usize::from(n), depth),
            Marker::Map16 => {
                let n = self.uint(2)? as usize;
                self.map(n, depth)
            }
            Marker::Map32 => {
                let n = self.uint(4)? as usize;
                self.map(n, depth)
            }
            Marker::Reserved => Err(MsgpackError::Unsupported("the reserved marker 0xc1")),
            _ => Err(MsgpackError::Unsupported("an extension type")),
        }
    }

    fn array(&mut self, n: usize, depth: usize) -> Result<Value, MsgpackError> {
        // Each element takes a byte at least: a length beyond what is left is a lie.
        if n > self.bytes.len() - self.at {
            return Err(MsgpackError::Truncated);
        }
        (0..n)
            .map(|_| self.value(depth + 1))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array)
    }

    fn map(&mut self, n: usize, depth: usize) -> Result<Value, MsgpackError> {
        if n > (self.bytes.len() - self.at) / 2 {
            return Err(MsgpackError::Truncated);
        }
        let mut map = IndexMap::with_capacity(n);
        for _ in 0..n {
            let key = match self.value(depth + 1)? {
                Value::Text(k) => k,
                Value::Number(n) => n.to_string(),
                _ => return Err(MsgpackError::Unsupported("a map key that is not a string")),
            };
            let value = self.value(depth + 1)?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

fn float(f: f64) -> Value {
    serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    #[test]
    fn round_trips_every_kind() {
        let value = Value::from(serde_json::json!({
            "n": [0, 1, 127, 128, 255, 256, 65535, 65536, -1, -32, -33, -129, -40000, 1.5, -2.25],
            "s": ["", "é", "x".repeat(40), "y".repeat(300)],
            "b": [true, false, null],
            "deep": {"a": {"b": {"c": []}}},
        }));
        let mut with_bin = value.clone();
        if let Value::Object(map) = &mut with_bin {
            map.insert("bin".into(), Value::Binary(Bytes::from_static(&[1, 2, 3])));
        }
        assert_eq!(decode(&encode(&with_bin)).unwrap(), with_bin);
    }

    #[test]
    fn integers_take_the_smallest_width_as_the_reference_writes_them() {
        assert_eq!(
            encode(&Value::from(serde_json::json!(2000))),
            [0xcd, 0x07, 0xd0]
        );
        assert_eq!(encode(&Value::from(serde_json::json!(5))), [0x05]);
        assert_eq!(encode(&Value::from(serde_json::json!(-1))), [0xff]);
        assert_eq!(encode(&Value::from(serde_json::json!(3.0))), [0x03]);
    }

    #[test]
    fn reads_what_a_node_reference_node_wrote() {
        // A binary broadcast's `data`, as Node's streams adapter wrote it to the stream
        // (shared/design/cluster-wire.md §3).
        let b64 = "gqZwYWNrZXSCpHR5cGUCpGRhdGGSo2JpboGlYnl0ZXPEAwECA6RvcHRzg6Vyb29tc5Glcm9vbTGmZXhjZXB0kKVmbGFnc4A=";
        let bytes = STANDARD.decode(b64).unwrap();
        let value = decode(&bytes).unwrap();
        assert_eq!(value["packet"]["type"].as_u64(), Some(2));
        assert_eq!(value["packet"]["data"][0].as_str(), Some("bin"));
        assert_eq!(
            value["packet"]["data"][1]["bytes"]
                .as_bytes()
                .map(|b| &b[..]),
            Some(&[1u8, 2, 3][..])
        );
        assert_eq!(value["opts"]["rooms"][0].as_str(), Some("room1"));
        // And writes it back byte for byte (same key order, same widths).
        assert_eq!(encode(&value), bytes);
    }

    #[test]
    fn refuses_what_it_cannot_read_without_panicking() {
        assert_eq!(decode(&[0x92, 0x01]), Err(MsgpackError::Truncated));
        assert_eq!(decode(&[0x01, 0x02]), Err(MsgpackError::Trailing));
        assert_eq!(
            decode(&[0xdd, 0xff, 0xff, 0xff, 0xff]),
            Err(MsgpackError::Truncated)
        );
        assert!(matches!(decode(&[0xc1]), Err(MsgpackError::Unsupported(_))));
        assert!(matches!(
            decode(&[0xd4, 0x01, 0x00]),
            Err(MsgpackError::Unsupported(_))
        ));
        assert!(matches!(
            decode(&[0xa2, 0xff, 0xfe]),
            Err(MsgpackError::Unsupported(_))
        ));
        let deep: Vec<u8> = std::iter::repeat_n(0x91, 200).chain([0xc0]).collect();
        assert_eq!(decode(&deep), Err(MsgpackError::TooDeep));
    }
}
