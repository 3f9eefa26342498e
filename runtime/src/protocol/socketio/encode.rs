//! Encoding outgoing packets once, into the exact Engine.IO messages every receiver gets.

use super::binary::PlaceholderFormatter;
use super::packet::{PacketType, write_header};
use crate::protocol::{Framed, Str};
use bytes::Bytes;
use serde::Serialize;
use std::fmt;

/// A packet ready for the wire: its text message, already framed as an Engine.IO message (`4`
/// in front), and its binary attachments. Cloning shares the buffers, so a broadcast hands the
/// same bytes to every receiver and nothing is encoded per receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedPacket {
    /// The Engine.IO message: `4` followed by the Socket.IO packet's text.
    pub frame: Framed,
    /// The binary messages that follow it.
    pub attachments: Vec<Bytes>,
    /// Whether connection state recovery may log it and replay it to a client that comes back:
    /// an event without acknowledgement (an acknowledgement's id means nothing to a new
    /// connection).
    pub recoverable: bool,
}

impl EncodedPacket {
    /// The Socket.IO packet's text (the frame without its Engine.IO type).
    pub fn text(&self) -> Str {
        self.frame.slice(1..self.frame.len())
    }

    /// The same event with `offset` appended to its arguments, as connection state recovery
    /// sends it: clients that know about offsets remember the last one they received, others
    /// see one more argument. `offset` must not need escaping in JSON.
    pub fn with_offset(&self, offset: &str) -> EncodedPacket {
        debug_assert!(self.frame.ends_with(']'), "an event's data is an array");
        let body = &self.frame[..self.frame.len() - 1];
        let mut frame = String::with_capacity(body.len() + offset.len() + 4);
        frame.push_str(body);
        frame.push_str(",\"");
        frame.push_str(offset);
        frame.push_str("\"]");
        EncodedPacket {
            frame: Framed::new(Str::from(frame)),
            attachments: self.attachments.clone(),
            recoverable: self.recoverable,
        }
    }
}

/// Why a value could not be sent.
#[derive(Debug, thiserror::Error)]
#[error("the value does not serialize to JSON")]
pub struct EncodeError(#[from] serde_json::Error);

/// Encodes `EVENT [name, ...args]`. A tuple spreads into several arguments and `()` into none;
/// anything else is one argument.
pub(crate) fn event<T: Serialize + ?Sized>(
    nsp: &str,
    name: &str,
    args: &T,
    id: Option<u64>,
) -> Result<EncodedPacket, EncodeError> {
    build(
        PacketType::Event,
        nsp,
        id,
        id.is_none(),
        |buf, attachments| {
            buf.push(b'[');
            name.serialize(&mut json_ser(buf, attachments))?;
            match shape(args) {
                Shape::Unit => {}
                Shape::Tuple => {
                    let start = buf.len();
                    args.serialize(&mut json_ser(buf, attachments))?;
                    // `[a,b]` becomes `,a,b`; `[]` disappears.
                    buf.pop();
                    if buf.len() == start + 1 {
                        buf.pop();
                    } else {
                        buf[start] = b',';
                    }
                }
                Shape::Other => {
                    buf.push(b',');
                    args.serialize(&mut json_ser(buf, attachments))?;
                }
            }
            buf.push(b']');
            Ok(())
        },
    )
}

/// The arguments of an encoded event, as a receiver decodes them (binary data back in place).
pub(crate) fn event_args(packet: &EncodedPacket) -> super::Args {
    use super::packet::{Packet, Payload};
    match Packet::decode(packet.text()) {
        Ok(Packet {
            payload: Payload::Event { args, .. },
            ..
        }) => super::Args::new(args, packet.attachments.clone()),
        _ => super::Args::default(),
    }
}

/// `args` as [`Args`](super::Args), spread as an event's arguments are (a tuple into several,
/// `()` into none): what a receiver of the event would decode.
pub(crate) fn to_args<T: Serialize + ?Sized>(args: &T) -> Result<super::Args, EncodeError> {
    Ok(event_args(&event("/", "", args, None)?))
}

/// Encodes `ACK id [...args]`, spreading tuples as [`event`] does.
pub(crate) fn ack<T: Serialize + ?Sized>(
    nsp: &str,
    id: u64,
    args: &T,
) -> Result<EncodedPacket, EncodeError> {
    build(PacketType::Ack, nsp, Some(id), false, |buf, attachments| {
        match shape(args) {
            Shape::Unit => buf.extend_from_slice(b"[]"),
            Shape::Tuple => args.serialize(&mut json_ser(buf, attachments))?,
            Shape::Other => {
                buf.push(b'[');
                args.serialize(&mut json_ser(buf, attachments))?;
                buf.push(b']');
            }
        }
        Ok(())
    })
}

/// Encodes a packet whose data is a plain JSON value (or none).
pub(crate) fn control<T: Serialize + ?Sized>(
    kind: PacketType,
    nsp: &str,
    data: Option<&T>,
) -> EncodedPacket {
    build(kind, nsp, None, false, |buf, attachments| {
        if let Some(data) = data {
            data.serialize(&mut json_ser(buf, attachments))?;
        }
        Ok(())
    })
    .expect("control packets hold plain JSON")
}

type JsonSer<'a> = serde_json::Serializer<&'a mut Vec<u8>, PlaceholderFormatter<'a>>;

fn json_ser<'a>(buf: &'a mut Vec<u8>, attachments: &'a mut Vec<Bytes>) -> JsonSer<'a> {
    serde_json::Serializer::with_formatter(buf, PlaceholderFormatter { attachments })
}

/// Encodes into one buffer, leaving room in front for the header, which depends on the
/// attachment count known only once the data is written; the header then fills the end of that
/// room and the message starts there, without a copy.
fn build(
    kind: PacketType,
    nsp: &str,
    id: Option<u64>,
    recoverable: bool,
    write: impl FnOnce(&mut Vec<u8>, &mut Vec<Bytes>) -> Result<(), serde_json::Error>,
) -> Result<EncodedPacket, EncodeError> {
    // The Engine.IO type, then the packet type, attachment count, namespace and ack id.
    let room = 1 + 1 + 21 + nsp.len() + 1 + 20;
    // One allocation for the room and a small packet's data.
    let mut buf = Vec::with_capacity(room + 64);
    buf.resize(room, 0);
    let mut attachments = Vec::new();
    write(&mut buf, &mut attachments)?;
    let mut header = String::with_capacity(room);
    write_header(&mut header, kind, attachments.len(), nsp, id);
    let start = room - header.len() - 1;
    buf[start] = b'4';
    buf[start + 1..room].copy_from_slice(header.as_bytes());
    let text = Str::from_utf8(Bytes::from(buf).slice(start..)).expect("JSON and header are UTF-8");
    Ok(EncodedPacket {
        frame: Framed::new(text),
        attachments,
        recoverable,
    })
}

impl fmt::Display for EncodedPacket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.frame[1..])
    }
}

/// What a value serializes as at its top level, which decides how it spreads into arguments.
enum Shape {
    Unit,
    Tuple,
    Other,
}

fn shape<T: Serialize + ?Sized>(value: &T) -> Shape {
    match value.serialize(probe::Probe) {
        // A JSON `null` (`Value::Null`) serializes as a unit too, but is an argument: only `()`
        // itself means none.
        Err(probe::Found(Shape::Unit)) if std::any::type_name::<T>() != "()" => Shape::Other,
        Err(probe::Found(shape)) => shape,
        Ok(()) => Shape::Other,
    }
}

/// A serializer that stops at the first call and reports which it was.
mod probe {
    use super::Shape;
    use serde::ser::{Impossible, Serialize, Serializer};
    use std::fmt;

    pub(super) struct Probe;
    pub(super) struct Found(pub(super) Shape);

    impl fmt::Debug for Found {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("probe")
        }
    }
    impl fmt::Display for Found {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("probe")
        }
    }
    impl std::error::Error for Found {}
    impl serde::ser::Error for Found {
        fn custom<T: fmt::Display>(_: T) -> Self {
            Found(Shape::Other)
        }
    }

    macro_rules! other {
        ($($name:ident($($arg:ty),*)),* $(,)?) => {
            $(fn $name(self, $(_: $arg),*) -> Result<(), Found> { Err(Found(Shape::Other)) })*
        };
    }

    impl Serializer for Probe {
        type Ok = ();
        type Error = Found;
        type SerializeSeq = Impossible<(), Found>;
        type SerializeTuple = Impossible<(), Found>;
        type SerializeTupleStruct = Impossible<(), Found>;
        type SerializeTupleVariant = Impossible<(), Found>;
        type SerializeMap = Impossible<(), Found>;
        type SerializeStruct = Impossible<(), Found>;
        type SerializeStructVariant = Impossible<(), Found>;

        other!(
            serialize_bool(bool),
            serialize_i8(i8),
            serialize_i16(i16),
            serialize_i32(i32),
            serialize_i64(i64),
            serialize_u8(u8),
            serialize_u16(u16),
            serialize_u32(u32),
            serialize_u64(u64),
            serialize_f32(f32),
            serialize_f64(f64),
            serialize_char(char),
            serialize_str(&str),
            serialize_bytes(&[u8]),
            serialize_none(),
            serialize_unit_struct(&'static str),
            serialize_unit_variant(&'static str, u32, &'static str),
        );

        fn serialize_unit(self) -> Result<(), Found> {
            Err(Found(Shape::Unit))
        }
        fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), Found> {
            Err(Found(Shape::Other))
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: &T,
        ) -> Result<(), Found> {
            Err(Found(Shape::Other))
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<(), Found> {
            Err(Found(Shape::Other))
        }
        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Found> {
            Err(Found(Shape::Other))
        }
        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Found> {
            Err(Found(Shape::Tuple))
        }
        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleStruct, Found> {
            Err(Found(Shape::Other))
        }
        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, Found> {
            Err(Found(Shape::Other))
        }
        fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Found> {
            Err(Found(Shape::Other))
        }
        fn serialize_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStruct, Found> {
            Err(Found(Shape::Other))
        }
        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, Found> {
            Err(Found(Shape::Other))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! e {
        ($args:expr) => {
            event("/", "ev", $args, None).unwrap().text().to_string()
        };
    }

    #[test]
    fn events_spread_tuples() {
        assert_eq!(e!(&()), r#"2["ev"]"#);
        assert_eq!(e!(&(1, "a")), r#"2["ev",1,"a"]"#);
        assert_eq!(e!(&(1,)), r#"2["ev",1]"#);
        assert_eq!(e!(&vec![1, 2]), r#"2["ev",[1,2]]"#);
        assert_eq!(e!(&"x"), r#"2["ev","x"]"#);
        // `null` is an argument like any other; only `()` is none.
        assert_eq!(e!(&serde_json::Value::Null), r#"2["ev",null]"#);
        assert_eq!(e!(&None::<u8>), r#"2["ev",null]"#);
        assert_eq!(e!(&((), 1)), r#"2["ev",null,1]"#);
        let p = event("/chat", "ev", &(Bytes::from_static(b"z"), 2), Some(7)).unwrap();
        assert_eq!(
            &*p.text(),
            r#"51-/chat,7["ev",{"_placeholder":true,"num":0},2]"#
        );
        assert_eq!(p.attachments, vec![Bytes::from_static(b"z")]);
    }

    #[test]
    fn packets_come_framed_for_engine_io() {
        let p = event("/", "ev", &1, None).unwrap();
        assert_eq!(p.frame.as_str(), r#"42["ev",1]"#);
        // The frame is cut from the buffer it was written into, not copied.
        assert_eq!(
            p.text().as_bytes().as_ptr(),
            p.frame.as_bytes()[1..].as_ptr()
        );
    }

    #[test]
    fn acks_spread_tuples() {
        assert_eq!(&*ack("/", 3, &()).unwrap().text(), "33[]");
        assert_eq!(&*ack("/", 3, &(1, 2)).unwrap().text(), "33[1,2]");
        assert_eq!(&*ack("/x", 3, &"a").unwrap().text(), r#"3/x,3["a"]"#);
        assert_eq!(
            &*ack("/", 3, &serde_json::Value::Null).unwrap().text(),
            "33[null]"
        );
    }

    #[test]
    fn control_packets() {
        let p = control(
            PacketType::Connect,
            "/",
            Some(&serde_json::json!({"sid": "x"})),
        );
        assert_eq!(&*p.text(), r#"0{"sid":"x"}"#);
        assert_eq!(
            &*control::<()>(PacketType::Disconnect, "/a", None).text(),
            "1/a,"
        );
    }
}
