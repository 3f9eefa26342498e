//! Engine.IO packets and their encoding for one frame (a WebSocket message, or one element of a
//! long-polling payload). Pure functions over bytes: no I/O, no runtime.
//!
//! The type of a packet is its first character: `0` open, `1` close, `2` ping, `3` pong,
//! `4` message, `5` upgrade, `6` noop. Binary messages travel as WebSocket binary frames, or in
//! text form as `b` followed by their base64 encoding.

use crate::protocol::Framed;
use crate::protocol::Str;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::{BufMut, Bytes, BytesMut};

/// The Engine.IO protocol revision a session speaks, from the `EIO` query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProtocolVersion {
    /// Engine.IO v3 (`socket.io-client` 2.x): the client pings, payloads are length-prefixed.
    V3,
    /// Engine.IO v4 (`socket.io-client` 3.x and later): the server pings, payloads are separated
    /// by the record separator.
    V4,
}

impl ProtocolVersion {
    /// Parses the `EIO` query value. Anything but `3` or `4` is unknown.
    pub fn from_query(value: &str) -> Option<Self> {
        match value {
            "3" => Some(ProtocolVersion::V3),
            "4" => Some(ProtocolVersion::V4),
            _ => None,
        }
    }
}

/// One Engine.IO packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// `0`: the handshake, with its JSON body (sent by the server only).
    Open(Str),
    /// `1`: the sender closes the session.
    Close,
    /// `2`: heartbeat request.
    Ping,
    /// `3`: heartbeat answer.
    Pong,
    /// `2probe`: sent by the client on a new WebSocket to test it before an upgrade.
    PingProbe,
    /// `3probe`: the server's answer to [`Packet::PingProbe`].
    PongProbe,
    /// `4…`: a text message.
    Message(Str),
    /// A text message already in its text form, `4` included: encoded once for any number of
    /// sessions (a broadcast), written as is. Sent only; decoding gives [`Packet::Message`].
    Framed(Framed),
    /// A binary message.
    Binary(Bytes),
    /// `5`: the client switches to the probed WebSocket.
    Upgrade,
    /// `6`: nothing; used to end a pending long-polling request during an upgrade.
    Noop,
}

/// Why a frame is not a valid Engine.IO packet. Any of these closes the session with the reason
/// `parse error`, as the reference server does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// An empty frame or payload element.
    #[error("empty packet")]
    Empty,
    /// The first character is not a packet type.
    #[error("unknown packet type {0:?}")]
    UnknownType(char),
    /// A `b`-prefixed packet whose body is not valid base64.
    #[error("invalid base64 in binary packet")]
    InvalidBase64,
    /// A text payload that is not UTF-8.
    #[error("payload is not valid UTF-8")]
    InvalidUtf8,
}

impl Packet {
    /// Decodes a text frame. `b`-prefixed frames are base64 binary messages, as the reference
    /// parser accepts them in text form anywhere.
    pub fn decode_text(frame: Str) -> Result<Packet, DecodeError> {
        let bytes = frame.as_bytes();
        let Some(&first) = bytes.first() else {
            return Err(DecodeError::Empty);
        };
        let rest = || frame.slice(1..frame.len());
        Ok(match first {
            b'0' => Packet::Open(rest()),
            b'1' => Packet::Close,
            b'2' if &bytes[1..] == b"probe" => Packet::PingProbe,
            b'2' => Packet::Ping,
            b'3' if &bytes[1..] == b"probe" => Packet::PongProbe,
            b'3' => Packet::Pong,
            b'4' => Packet::Message(rest()),
            b'5' => Packet::Upgrade,
            b'6' => Packet::Noop,
            b'b' => Packet::Binary(
                BASE64
                    .decode(&bytes[1..])
                    .map_err(|_| DecodeError::InvalidBase64)?
                    .into(),
            ),
            _ => {
                let c = frame.chars().next().unwrap_or('\u{fffd}');
                return Err(DecodeError::UnknownType(c));
            }
        })
    }

    /// Decodes a text frame of Engine.IO v3, where a base64 binary packet carries its type:
    /// `b4AQID`.
    pub fn decode_text_v3(frame: Str) -> Result<Packet, DecodeError> {
        let bytes = frame.as_bytes();
        if bytes.first() == Some(&b'b') {
            if bytes.get(1) != Some(&b'4') {
                return Err(DecodeError::UnknownType('b'));
            }
            let data = BASE64
                .decode(&bytes[2..])
                .map_err(|_| DecodeError::InvalidBase64)?;
            return Ok(Packet::Binary(data.into()));
        }
        Packet::decode_text(frame)
    }

    /// Decodes a binary WebSocket frame (always a binary message in v4).
    pub fn decode_binary(frame: Bytes) -> Packet {
        Packet::Binary(frame)
    }

    /// Decodes a binary frame of Engine.IO v3: the packet type as a byte, then the data.
    pub fn decode_binary_v3(frame: Bytes) -> Result<Packet, DecodeError> {
        match frame.first() {
            Some(4) => Ok(Packet::Binary(frame.slice(1..))),
            Some(&t) => Err(DecodeError::UnknownType(char::from(b'0'.saturating_add(t)))),
            None => Err(DecodeError::Empty),
        }
    }

    /// The packet's type character.
    fn type_char(&self) -> u8 {
        match self {
            Packet::Open(_) => b'0',
            Packet::Close => b'1',
            Packet::Ping | Packet::PingProbe => b'2',
            Packet::Pong | Packet::PongProbe => b'3',
            Packet::Message(_) | Packet::Framed(_) => b'4',
            Packet::Upgrade => b'5',
            Packet::Noop => b'6',
            Packet::Binary(_) => b'b',
        }
    }

    /// Appends the text form of this packet to `out` (binary as `b` + base64).
    pub fn encode_text_into(&self, out: &mut BytesMut) {
        if let Packet::Framed(frame) = self {
            out.extend_from_slice(frame.as_bytes());
            return;
        }
        out.put_u8(self.type_char());
        match self {
            Packet::Open(body) | Packet::Message(body) => out.extend_from_slice(body.as_bytes()),
            Packet::PingProbe | Packet::PongProbe => out.extend_from_slice(b"probe"),
            Packet::Binary(data) => {
                let start = out.len();
                out.resize(
                    start + base64::encoded_len(data.len(), true).unwrap_or(0),
                    0,
                );
                let written = BASE64
                    .encode_slice(data, &mut out[start..])
                    .expect("buffer sized by encoded_len");
                out.truncate(start + written);
            }
            _ => {}
        }
    }

    /// Appends the v3 text form of this packet to `out`: as [`encode_text_into`], but a binary
    /// message in text is `b4` + base64.
    ///
    /// [`encode_text_into`]: Self::encode_text_into
    pub fn encode_text_v3_into(&self, out: &mut BytesMut) {
        if let Packet::Binary(_) = self {
            out.put_u8(b'b');
            let start = out.len();
            self.encode_text_into(out);
            out[start] = b'4';
        } else {
            self.encode_text_into(out);
        }
    }

    /// Encodes this packet as one WebSocket frame of Engine.IO v3 (a binary message is its type
    /// byte, then its data; with `b64`, base64 text).
    pub fn encode_frame_v3(&self, b64: bool) -> Frame {
        match self {
            Packet::Binary(_) if b64 => {
                let mut out = BytesMut::with_capacity(self.text_len() + 1);
                self.encode_text_v3_into(&mut out);
                Frame::Text(Str::from_utf8(out.freeze()).expect("base64 is ASCII"))
            }
            Packet::Binary(data) => {
                let mut out = BytesMut::with_capacity(data.len() + 1);
                out.put_u8(4);
                out.extend_from_slice(data);
                Frame::Binary(out.freeze())
            }
            other => other.encode_frame(),
        }
    }

    /// Encodes this packet as one WebSocket frame.
    pub fn encode_frame(&self) -> Frame {
        match self {
            Packet::Binary(data) => Frame::Binary(data.clone()),
            Packet::Close => Frame::Text(Str::from_static("1")),
            Packet::Ping => Frame::Text(Str::from_static("2")),
            Packet::Pong => Frame::Text(Str::from_static("3")),
            Packet::PingProbe => Frame::Text(Str::from_static("2probe")),
            Packet::PongProbe => Frame::Text(Str::from_static("3probe")),
            Packet::Upgrade => Frame::Text(Str::from_static("5")),
            Packet::Noop => Frame::Text(Str::from_static("6")),
            Packet::Framed(frame) => Frame::Text(frame.text().clone()),
            Packet::Open(_) | Packet::Message(_) => {
                let mut out = BytesMut::with_capacity(self.text_len());
                self.encode_text_into(&mut out);
                Frame::Text(Str::from_utf8(out.freeze()).expect("encoded from UTF-8 parts"))
            }
        }
    }

    /// The length of this packet's text form.
    pub(crate) fn text_len(&self) -> usize {
        if let Packet::Framed(frame) = self {
            return frame.len();
        }
        1 + match self {
            Packet::Open(body) | Packet::Message(body) => body.len(),
            Packet::PingProbe | Packet::PongProbe => 5,
            Packet::Binary(data) => base64::encoded_len(data.len(), true).unwrap_or(0),
            _ => 0,
        }
    }
}

/// One WebSocket message, as written on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A text frame.
    Text(Str),
    /// A binary frame.
    Binary(Bytes),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(s: &str) -> Result<Packet, DecodeError> {
        Packet::decode_text(Str::from(s))
    }

    #[test]
    fn decodes_every_type() {
        assert_eq!(decode("0{}"), Ok(Packet::Open(Str::from("{}"))));
        assert_eq!(decode("1"), Ok(Packet::Close));
        assert_eq!(decode("2"), Ok(Packet::Ping));
        assert_eq!(decode("2probe"), Ok(Packet::PingProbe));
        assert_eq!(decode("3"), Ok(Packet::Pong));
        assert_eq!(decode("3probe"), Ok(Packet::PongProbe));
        assert_eq!(decode("4héllo"), Ok(Packet::Message(Str::from("héllo"))));
        assert_eq!(decode("4"), Ok(Packet::Message(Str::from(""))));
        assert_eq!(decode("5"), Ok(Packet::Upgrade));
        assert_eq!(decode("6"), Ok(Packet::Noop));
        assert_eq!(
            decode("bAQIDBA=="),
            Ok(Packet::Binary(Bytes::from_static(&[1, 2, 3, 4])))
        );
    }

    #[test]
    fn ping_with_other_data_is_a_plain_ping() {
        assert_eq!(decode("2xyz"), Ok(Packet::Ping));
    }

    #[test]
    fn rejects_malformed_frames() {
        assert_eq!(decode(""), Err(DecodeError::Empty));
        assert_eq!(decode("abc"), Err(DecodeError::UnknownType('a')));
        assert_eq!(decode("7"), Err(DecodeError::UnknownType('7')));
        assert_eq!(decode("é"), Err(DecodeError::UnknownType('é')));
        assert_eq!(decode("b!!!"), Err(DecodeError::InvalidBase64));
    }

    #[test]
    fn encodes_frames() {
        assert_eq!(
            Packet::Message(Str::from("hello")).encode_frame(),
            Frame::Text(Str::from("4hello"))
        );
        assert_eq!(
            Packet::PongProbe.encode_frame(),
            Frame::Text(Str::from("3probe"))
        );
        assert_eq!(
            Packet::Binary(Bytes::from_static(&[1, 2])).encode_frame(),
            Frame::Binary(Bytes::from_static(&[1, 2]))
        );
    }

    #[test]
    fn framed_messages_are_written_as_they_are() {
        let framed = Packet::Framed(Framed::new(Str::from("42[\"a\"]")));
        assert_eq!(framed.encode_frame(), Frame::Text(Str::from("42[\"a\"]")));
        let mut out = BytesMut::new();
        framed.encode_text_into(&mut out);
        assert_eq!(&out[..], b"42[\"a\"]");
        assert_eq!(framed.text_len(), 7);
    }

    #[test]
    fn text_round_trip() {
        for p in [
            Packet::Open(Str::from("{\"sid\":\"x\"}")),
            Packet::Close,
            Packet::Ping,
            Packet::Pong,
            Packet::PingProbe,
            Packet::PongProbe,
            Packet::Message(Str::from("a\u{1e}b")),
            Packet::Binary(Bytes::from_static(&[0, 255, 7])),
            Packet::Upgrade,
            Packet::Noop,
        ] {
            let mut out = BytesMut::new();
            p.encode_text_into(&mut out);
            assert_eq!(out.len(), p.text_len());
            let s = Str::from_utf8(out.freeze()).unwrap();
            assert_eq!(Packet::decode_text(s).unwrap(), p);
        }
    }

    #[test]
    fn v3_frames() {
        let bin = Packet::Binary(Bytes::from_static(&[1, 2, 3, 4]));
        assert_eq!(
            bin.encode_frame_v3(false),
            Frame::Binary(Bytes::from_static(&[4, 1, 2, 3, 4]))
        );
        assert_eq!(
            bin.encode_frame_v3(true),
            Frame::Text(Str::from("b4AQIDBA=="))
        );
        assert_eq!(
            Packet::decode_text_v3(Str::from("b4AQIDBA==")),
            Ok(bin.clone())
        );
        assert_eq!(
            Packet::decode_binary_v3(Bytes::from_static(&[4, 1, 2, 3, 4])),
            Ok(bin)
        );
        assert_eq!(
            Packet::decode_text_v3(Str::from("4hi")),
            Ok(Packet::Message(Str::from("hi")))
        );
        assert!(Packet::decode_text_v3(Str::from("b1AA==")).is_err());
        assert!(Packet::decode_binary_v3(Bytes::from_static(&[9, 1])).is_err());
        assert!(Packet::decode_binary_v3(Bytes::new()).is_err());
    }

    #[test]
    fn protocol_versions() {
        assert_eq!(ProtocolVersion::from_query("4"), Some(ProtocolVersion::V4));
        assert_eq!(ProtocolVersion::from_query("3"), Some(ProtocolVersion::V3));
        assert_eq!(ProtocolVersion::from_query("abc"), None);
        assert_eq!(ProtocolVersion::from_query(""), None);
    }
}
