//! Long-polling payloads: several packets in one HTTP body. Pure functions over bytes.
//!
//! In Engine.IO v4 the packets of a payload are joined by the ASCII record separator (`\x1e`) and
//! binary packets are written as `b` + base64, so a payload is always UTF-8 text.

use super::packet::{DecodeError, Packet};
use crate::protocol::Str;
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

/// Engine.IO v3 payloads: `<length>:<packet>` repeated, the length counted in UTF-16 code units
/// (JavaScript's string length); or, for clients that take binary, a binary payload where each
/// packet is `0` (text) or `1` (binary), its length as one byte per decimal digit, `255`, then
/// the packet.
pub mod v3 {
    use super::super::packet::{DecodeError, Packet};
    use crate::protocol::Str;
    use bytes::{BufMut, Bytes, BytesMut};

    /// Whether a payload must be binary to carry these packets without base64.
    pub fn has_binary(packets: &[Packet]) -> bool {
        packets.iter().any(|p| matches!(p, Packet::Binary(_)))
    }

    /// Encodes a text payload (binary packets as `b4` + base64).
    pub fn encode_text(packets: &[Packet]) -> Str {
        let mut out = BytesMut::new();
        let mut one = BytesMut::new();
        for p in packets {
            one.clear();
            p.encode_text_v3_into(&mut one);
            let text = std::str::from_utf8(&one).expect("packets encode to UTF-8");
            out.extend_from_slice(text.encode_utf16().count().to_string().as_bytes());
            out.put_u8(b':');
            out.extend_from_slice(&one);
        }
        Str::from_utf8(out.freeze()).expect("packets encode to UTF-8")
    }

    /// Encodes a binary payload.
    pub fn encode_binary(packets: &[Packet]) -> Bytes {
        let mut out = BytesMut::new();
        for p in packets {
            let (kind, body): (u8, Bytes) = match p {
                Packet::Binary(data) => {
                    let mut b = BytesMut::with_capacity(data.len() + 1);
                    b.put_u8(4);
                    b.extend_from_slice(data);
                    (1, b.freeze())
                }
                other => {
                    let mut b = BytesMut::new();
                    other.encode_text_v3_into(&mut b);
                    (0, b.freeze())
                }
            };
            out.put_u8(kind);
            for d in body.len().to_string().bytes() {
                out.put_u8(d - b'0');
            }
            out.put_u8(255);
            out.extend_from_slice(&body);
        }
        out.freeze()
    }

    /// Decodes a text payload: the packets up to the first error, then the error.
    pub fn decode_text(body: Bytes) -> Vec<Result<Packet, DecodeError>> {
        let Ok(text) = Str::from_utf8(body) else {
            return vec![Err(DecodeError::InvalidUtf8)];
        };
        let mut out = Vec::new();
        let s = text.as_str();
        let mut pos = 0;
        while pos < s.len() {
            let Some(colon) = s[pos..].find(':').map(|i| pos + i) else {
                out.push(Err(DecodeError::Empty));
                return out;
            };
            let Ok(units) = s[pos..colon].parse::<usize>() else {
                out.push(Err(DecodeError::Empty));
                return out;
            };
            // Walk `units` UTF-16 code units from after the colon.
            let start = colon + 1;
            let mut end = start;
            let mut counted = 0;
            for c in s[start..].chars() {
                if counted >= units {
                    break;
                }
                counted += c.len_utf16();
                end += c.len_utf8();
            }
            if counted != units {
                out.push(Err(DecodeError::Empty));
                return out;
            }
            if end > start {
                let packet = Packet::decode_text_v3(text.slice(start..end));
                let failed = packet.is_err();
                out.push(packet);
                if failed {
                    return out;
                }
            }
            pos = end;
        }
        if out.is_empty() {
            out.push(Err(DecodeError::Empty));
        }
        out
    }

    /// Decodes a binary payload: the packets up to the first error, then the error.
    pub fn decode_binary(body: Bytes) -> Vec<Result<Packet, DecodeError>> {
        let mut out = Vec::new();
        let mut pos = 0;
        while pos < body.len() {
            let is_text = body[pos] == 0;
            let mut i = pos + 1;
            let mut len = 0usize;
            while i < body.len() && body[i] != 255 {
                if body[i] > 9 || i - pos > 20 {
                    out.push(Err(DecodeError::Empty));
                    return out;
                }
                // Twenty digits overflow: checked, as a length past the body is refused below.
                len = len.saturating_mul(10).saturating_add(usize::from(body[i]));
                i += 1;
            }
            let start = i + 1;
            let end = start.saturating_add(len);
            if i >= body.len() || end > body.len() {
                out.push(Err(DecodeError::Empty));
                return out;
            }
            let chunk = body.slice(start..end);
            let packet = if is_text {
                Str::from_utf8(chunk)
                    .map_err(|_| DecodeError::InvalidUtf8)
                    .and_then(Packet::decode_text_v3)
            } else {
                Packet::decode_binary_v3(chunk)
            };
            let failed = packet.is_err();
            out.push(packet);
            if failed {
                return out;
            }
            pos = end;
        }
        out
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn msg(s: &str) -> Packet {
            Packet::Message(Str::from(s))
        }

        #[test]
        fn text_payloads_count_utf16_units() {
            let packets = vec![
                msg("hello"),
                Packet::Binary(Bytes::from_static(&[1, 2, 3, 4])),
            ];
            assert_eq!(&*encode_text(&packets), "6:4hello10:b4AQIDBA==");
            // "😀" is 2 UTF-16 units, 4 bytes.
            assert_eq!(&*encode_text(&[msg("😀")]), "3:4😀");
            let back: Vec<_> = decode_text(Bytes::from("3:4😀6:4hello".as_bytes().to_vec()));
            assert_eq!(back, vec![Ok(msg("😀")), Ok(msg("hello"))]);
            let back = decode_text(Bytes::from_static(b"6:4hello10:b4AQIDBA=="));
            assert_eq!(back, packets.into_iter().map(Ok).collect::<Vec<_>>());
        }

        #[test]
        fn binary_payloads() {
            let packets = vec![
                msg("hello"),
                Packet::Binary(Bytes::from_static(&[1, 2, 3, 4])),
            ];
            let bin = encode_binary(&packets);
            assert_eq!(
                &bin[..],
                &[
                    0, 6, 255, 52, 104, 101, 108, 108, 111, 1, 5, 255, 4, 1, 2, 3, 4
                ]
            );
            assert_eq!(
                decode_binary(bin),
                packets.into_iter().map(Ok).collect::<Vec<_>>()
            );
            let long = msg(&"x".repeat(11));
            assert_eq!(&encode_binary(&[long])[..4], &[0, 1, 2, 255]);
        }

        #[test]
        fn a_binary_length_of_twenty_nines_is_refused_without_overflow() {
            // Found by the polling_payload fuzz target.
            let mut body = vec![1u8];
            body.extend([9u8; 20]);
            body.extend([255, 4, 1]);
            assert_eq!(
                decode_binary(Bytes::from(body)),
                vec![Err(DecodeError::Empty)]
            );
        }

        #[test]
        fn malformed_payloads() {
            assert!(decode_text(Bytes::from_static(b"abc"))[0].is_err());
            assert!(decode_text(Bytes::from_static(b"9:4hi"))[0].is_err());
            assert!(decode_text(Bytes::from_static(b""))[0].is_err());
            assert!(
                decode_text(Bytes::from_static(b"2:4a3:xyz"))
                    .last()
                    .unwrap()
                    .is_err()
            );
            assert!(
                decode_binary(Bytes::from_static(&[0, 9, 255, 52]))
                    .last()
                    .unwrap()
                    .is_err()
            );
            assert!(
                decode_binary(Bytes::from_static(&[1, 1, 255, 7]))
                    .last()
                    .unwrap()
                    .is_err()
            );
            assert!(
                decode_binary(Bytes::from_static(&[0, 1, 2]))
                    .last()
                    .unwrap()
                    .is_err()
            );
        }
    }
}
