//! Long-polling payloads: several packets in one HTTP body. Pure functions over bytes.
//!
//! In Engine.IO v4 the packets of a payload are joined by the ASCII record separator (`\x1e`) and
//! binary packets are written as `b` + base64, so a payload is always UTF-8 text.

use super::packet::{DecodeError, Packet};
use super::str::Str;
use bytes::{Bytes, BytesMut};

/// Separates packets in a v4 payload.
pub const SEPARATOR: u8 = 0x1e;

/// Encodes packets into one v4 payload body.
pub fn encode_v4(packets: &[Packet]) -> Str {
    let len = packets.iter().map(|p| p.text_len() + 1).sum::<usize>();
    let mut out = BytesMut::with_capacity(len);
    for (i, packet) in packets.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(&[SEPARATOR]);
        }
        packet.encode_text_into(&mut out);
    }
    Str::from_utf8(out.freeze()).expect("packets encode to UTF-8")
}

/// Decodes a v4 payload body. The iterator yields every packet up to and including the first
/// error, then stops: the reference server handles the packets before a malformed one, then
/// closes the session.
pub fn decode_v4(body: Bytes) -> impl Iterator<Item = Result<Packet, DecodeError>> {
    let mut state = match Str::from_utf8(body) {
        Ok(text) => Decoder::Text { text, pos: 0 },
        Err(_) => Decoder::Failed(Some(DecodeError::InvalidUtf8)),
    };
    std::iter::from_fn(move || state.next())
}

enum Decoder {
    Text { text: Str, pos: usize },
    Failed(Option<DecodeError>),
    Done,
}

impl Decoder {
    fn next(&mut self) -> Option<Result<Packet, DecodeError>> {
        match self {
            Decoder::Done => None,
            Decoder::Failed(err) => {
                let err = err.take();
                *self = Decoder::Done;
                err.map(Err)
            }
            Decoder::Text { text, pos } => {
                let bytes = text.as_bytes();
                let end = bytes[*pos..]
                    .iter()
                    .position(|&b| b == SEPARATOR)
                    .map_or(bytes.len(), |i| *pos + i);
                // The separator is ASCII, so both cuts fall on char boundaries.
                let packet = Packet::decode_text(text.slice(*pos..end));
                if end >= bytes.len() || packet.is_err() {
                    *self = Decoder::Done;
                } else {
                    *pos = end + 1;
                }
                Some(packet)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(s: &'static [u8]) -> Vec<Result<Packet, DecodeError>> {
        decode_v4(Bytes::from_static(s)).collect()
    }

    #[test]
    fn one_packet() {
        assert_eq!(
            decode(b"4hello"),
            vec![Ok(Packet::Message(Str::from("hello")))]
        );
    }

    #[test]
    fn several_packets_with_binary() {
        assert_eq!(
            decode(b"4test1\x1e4test2\x1ebAQIDBA==\x1e3"),
            vec![
                Ok(Packet::Message(Str::from("test1"))),
                Ok(Packet::Message(Str::from("test2"))),
                Ok(Packet::Binary(Bytes::from_static(&[1, 2, 3, 4]))),
                Ok(Packet::Pong),
            ]
        );
    }

    #[test]
    fn stops_at_the_first_error() {
        assert_eq!(
            decode(b"4a\x1exyz\x1e4b"),
            vec![
                Ok(Packet::Message(Str::from("a"))),
                Err(DecodeError::UnknownType('x'))
            ]
        );
    }

    #[test]
    fn empty_elements_are_errors() {
        assert_eq!(decode(b""), vec![Err(DecodeError::Empty)]);
        assert_eq!(
            decode(b"4a\x1e"),
            vec![Ok(Packet::Message(Str::from("a"))), Err(DecodeError::Empty)]
        );
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        assert_eq!(decode(b"4\xff"), vec![Err(DecodeError::InvalidUtf8)]);
    }

    #[test]
    fn encodes_and_round_trips() {
        let packets = vec![
            Packet::Message(Str::from("hello")),
            Packet::Binary(Bytes::from_static(&[1, 2, 3, 4])),
            Packet::Ping,
        ];
        let body = encode_v4(&packets);
        assert_eq!(&*body, "4hello\x1ebAQIDBA==\x1e2");
        let back: Vec<_> = decode_v4(body.into_bytes()).map(Result::unwrap).collect();
        assert_eq!(back, packets);
    }
}
