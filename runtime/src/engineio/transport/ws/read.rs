//! A client's WebSocket frames (RFC 6455 §5), parsed out of whatever one read brought: masked,
//! possibly fragmented, control frames possibly between fragments.
//!
//! The parser holds no read buffer. The connection reads into a buffer on the stack, every
//! complete frame in it is handled there and then, and only the bytes of a frame not complete
//! yet are kept, in a buffer of the connection's own that exists while they do. An idle
//! connection thus holds no read buffer at all, where a parser with a buffer of its own would
//! keep one per connection for its whole life.

use super::frame::{OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT};
use crate::protocol::Str;
use bytes::{Bytes, BytesMut};

/// A complete message from the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WsMessage {
    Text(Str),
    Binary(Bytes),
}

/// Why reading stopped.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The connection ended without a close frame.
    Eof,
    /// The client sent a close frame (already answered, see [`Control::Close`]).
    Closed,
    Io(std::io::Error),
    /// A frame breaking RFC 6455: answered with close code 1002.
    Protocol(&'static str),
    /// A message over the size limit: 1009.
    TooBig,
    /// A text message that is not UTF-8: 1007.
    InvalidUtf8,
}

impl ReadError {
    /// The status code of the close frame this error is answered with, if any.
    pub(crate) fn close_code(&self) -> Option<u16> {
        match self {
            ReadError::Protocol(_) => Some(1002),
            ReadError::TooBig => Some(1009),
            ReadError::InvalidUtf8 => Some(1007),
            ReadError::Eof | ReadError::Closed | ReadError::Io(_) => None,
        }
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Eof => f.write_str("connection closed without a close frame"),
            ReadError::Closed => f.write_str("the client closed"),
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::Protocol(why) => write!(f, "protocol error: {why}"),
            ReadError::TooBig => f.write_str("message too big"),
            ReadError::InvalidUtf8 => f.write_str("text message is not UTF-8"),
        }
    }
}

/// A frame the server must send in answer, right away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Control {
    /// The answer to a ping.
    Pong(Bytes),
    /// The answer to the client's close: its status code echoed (none if it gave none).
    Close(Option<u16>),
}

/// A frame's header, once all of it has arrived.
struct Header {
    fin: bool,
    opcode: u8,
    mask: [u8; 4],
    /// Header length, then payload length.
    header_len: usize,
    payload_len: usize,
}

/// The frame state of one connection: the fragmented message being assembled, if any.
#[derive(Debug)]
pub(crate) struct FrameParser {
    fragments: Option<(u8, BytesMut)>,
    /// The largest message (and frame) taken.
    max_message: usize,
}

impl FrameParser {
    pub(crate) fn new(max_message: usize) -> Self {
        FrameParser {
            fragments: None,
            max_message,
        }
    }

    /// How many bytes the frame at the start of `data` needs in all, when its header says
    /// (`None` while not even the header is complete).
    pub(crate) fn frame_len(&self, data: &[u8]) -> Result<Option<usize>, ReadError> {
        Ok(self.header(data)?.map(|h| h.header_len + h.payload_len))
    }

    /// Handles every complete frame at the start of `data`, in order; gives how many bytes
    /// they took. Stops at a close frame (after answering it) with [`ReadError::Closed`].
    pub(crate) fn parse(
        &mut self,
        data: &[u8],
        on_message: &mut dyn FnMut(WsMessage),
        on_control: &mut dyn FnMut(Control),
    ) -> Result<usize, ReadError> {
        let mut at = 0;
        while let Some(h) = self.header(&data[at..])? {
            let end = at + h.header_len + h.payload_len;
            if end > data.len() {
                break;
            }
            let payload = &data[at + h.header_len..end];
            at = end;
            self.frame(&h, payload, on_message, on_control)?;
        }
        Ok(at)
    }

    fn header(&self, data: &[u8]) -> Result<Option<Header>, ReadError> {
        let [b0, b1, ..] = *data else {
            return Ok(None);
        };
        if b0 & 0x70 != 0 {
            return Err(ReadError::Protocol(
                "reserved bits set without an extension",
            ));
        }
        let (fin, opcode) = (b0 & 0x80 != 0, b0 & 0x0f);
        if b1 & 0x80 == 0 {
            return Err(ReadError::Protocol("client frames must be masked"));
        }
        let (payload_len, len_bytes) = match b1 & 0x7f {
            126 => match data.get(2..4) {
                Some(b) => (usize::from(u16::from_be_bytes([b[0], b[1]])), 2),
                None => return Ok(None),
            },
            127 => match data.get(2..10) {
                Some(b) => {
                    let len = u64::from_be_bytes(b.try_into().expect("8 bytes"));
                    if len >> 63 != 0 {
                        return Err(ReadError::Protocol("payload length over 2^63"));
                    }
                    (usize::try_from(len).unwrap_or(usize::MAX), 8)
                }
                None => return Ok(None),
            },
            n => (usize::from(n), 0),
        };
        if opcode & 0x8 != 0 && (!fin || payload_len > 125) {
            return Err(ReadError::Protocol(
                "control frames are at most 125 bytes, unfragmented",
            ));
        }
        if payload_len > self.max_message {
            return Err(ReadError::TooBig);
        }
        let Some(mask) = data.get(2 + len_bytes..6 + len_bytes) else {
            return Ok(None);
        };
        Ok(Some(Header {
            fin,
            opcode,
            mask: mask.try_into().expect("4 bytes"),
            header_len: 6 + len_bytes,
            payload_len,
        }))
    }

    fn frame(
        &mut self,
        h: &Header,
        masked: &[u8],
        on_message: &mut dyn FnMut(WsMessage),
        on_control: &mut dyn FnMut(Control),
    ) -> Result<(), ReadError> {
        match h.opcode {
            OP_TEXT | OP_BINARY => {
                if self.fragments.is_some() {
                    return Err(ReadError::Protocol(
                        "a new message before the last one ended",
                    ));
                }
                let mut payload = BytesMut::with_capacity(masked.len());
                payload.extend_from_slice(masked);
                unmask(&mut payload, h.mask);
                if h.fin {
                    on_message(message(h.opcode, payload)?);
                } else {
                    self.fragments = Some((h.opcode, payload));
                }
            }
            OP_CONTINUATION => {
                let Some((opcode, mut payload)) = self.fragments.take() else {
                    return Err(ReadError::Protocol(
                        "a continuation frame with nothing to continue",
                    ));
                };
                if payload.len() + masked.len() > self.max_message {
                    return Err(ReadError::TooBig);
                }
                let start = payload.len();
                payload.extend_from_slice(masked);
                unmask(&mut payload[start..], h.mask);
                if h.fin {
                    on_message(message(opcode, payload)?);
                } else {
                    self.fragments = Some((opcode, payload));
                }
            }
            OP_PING => {
                let mut payload = BytesMut::from(masked);
                unmask(&mut payload, h.mask);
                on_control(Control::Pong(payload.freeze()));
            }
            OP_PONG => {}
            OP_CLOSE => {
                let mut payload = masked.to_vec();
                unmask(&mut payload, h.mask);
                let code = close_code(&payload)?;
                on_control(Control::Close(code));
                return Err(ReadError::Closed);
            }
            _ => return Err(ReadError::Protocol("reserved opcode")),
        }
        Ok(())
    }
}

fn message(opcode: u8, payload: BytesMut) -> Result<WsMessage, ReadError> {
    let payload = payload.freeze();
    if opcode == OP_TEXT {
        Str::from_utf8(payload)
            .map(WsMessage::Text)
            .map_err(|_| ReadError::InvalidUtf8)
    } else {
        Ok(WsMessage::Binary(payload))
    }
}

/// The status code of a close frame's payload, checked as RFC 6455 §7.4 asks.
fn close_code(payload: &[u8]) -> Result<Option<u16>, ReadError> {
    match payload {
        [] => Ok(None),
        [_] => Err(ReadError::Protocol("a close frame with a one-byte payload")),
        [hi, lo, reason @ ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            let valid = matches!(code, 1000..=1003 | 1007..=1011 | 3000..=4999);
            if !valid {
                return Err(ReadError::Protocol("invalid close code"));
            }
            std::str::from_utf8(reason).map_err(|_| ReadError::InvalidUtf8)?;
            Ok(Some(code))
        }
    }
}

/// Unmasks `data`, the start of a payload masked with `mask`.
fn unmask(data: &mut [u8], mask: [u8; 4]) {
    for (i, b) in data.iter_mut().enumerate() {
        *b ^= mask[i & 3];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;
    use tungstenite::protocol::frame::coding::{Data, OpCode};
    use tungstenite::protocol::frame::{Frame, FrameHeader};
    use tungstenite::protocol::{Role, WebSocket};
    use tungstenite::{Message, Utf8Bytes};

    /// What a real client (tungstenite's) writes for `messages`.
    fn client_bytes(messages: &[Message]) -> Vec<u8> {
        let mut ws = WebSocket::from_raw_socket(Cursor::new(Vec::new()), Role::Client, None);
        for m in messages {
            ws.write(m.clone()).unwrap();
        }
        ws.flush().unwrap();
        ws.get_ref().get_ref().clone()
    }

    /// A raw frame as a client would write it (masked unless `masked` is false).
    fn raw(fin: bool, opcode: OpCode, payload: &[u8], masked: bool) -> Vec<u8> {
        let mut header = FrameHeader {
            is_final: fin,
            opcode,
            ..FrameHeader::default()
        };
        if masked {
            header.mask = Some([1, 2, 3, 4]);
        }
        let frame = Frame::from_payload(header, payload.to_vec().into());
        let mut out = Vec::new();
        frame.format(&mut out).unwrap();
        out
    }

    type Parsed = (Vec<WsMessage>, Vec<Control>, Option<ReadError>);

    /// Feeds `data` to a parser `chunk` bytes at a time, keeping the unparsed rest as the
    /// connection does.
    fn feed(data: &[u8], chunk: usize, max: usize) -> Parsed {
        let mut parser = FrameParser::new(max);
        let (mut messages, mut controls) = (Vec::new(), Vec::new());
        let mut pending = Vec::new();
        for part in data.chunks(chunk) {
            pending.extend_from_slice(part);
            match parser.parse(&pending, &mut |m| messages.push(m), &mut |c| {
                controls.push(c)
            }) {
                Ok(used) => {
                    pending.drain(..used);
                }
                Err(e) => return (messages, controls, Some(e)),
            }
        }
        assert!(pending.is_empty(), "bytes left over: {}", pending.len());
        (messages, controls, None)
    }

    fn text(s: &str) -> WsMessage {
        WsMessage::Text(Str::from(s.to_owned()))
    }

    #[test]
    fn messages_of_every_length_in_any_chunks() {
        let texts: Vec<String> = [0, 1, 125, 126, 65_535, 65_536, 100_000]
            .iter()
            .map(|&n| "é".repeat(n / 2) + &"x".repeat(n % 2))
            .collect();
        let mut sent: Vec<Message> = texts.iter().map(|t| Message::text(t.as_str())).collect();
        sent.push(Message::binary(vec![0u8, 1, 2, 255]));
        let data = client_bytes(&sent);
        for chunk in [1, 7, 4096, data.len()] {
            let (messages, controls, err) = feed(&data, chunk, 1 << 20);
            assert!(err.is_none(), "chunk {chunk}: {err:?}");
            assert!(controls.is_empty());
            assert_eq!(messages.len(), sent.len());
            for (m, t) in messages.iter().zip(&texts) {
                assert_eq!(m, &text(t));
            }
            assert_eq!(
                messages.last(),
                Some(&WsMessage::Binary(Bytes::from_static(&[0, 1, 2, 255])))
            );
        }
    }

    #[test]
    fn fragments_with_a_ping_between_them() {
        let mut data = raw(false, OpCode::Data(Data::Text), "hé".as_bytes(), true);
        data.extend(raw(false, OpCode::Data(Data::Continue), b"l", true));
        data.extend(client_bytes(&[Message::Ping(Bytes::from_static(b"p"))]));
        data.extend(raw(true, OpCode::Data(Data::Continue), b"lo", true));
        for chunk in [1, 3, data.len()] {
            let (messages, controls, err) = feed(&data, chunk, 1 << 20);
            assert!(err.is_none());
            assert_eq!(messages, [text("héllo")]);
            assert_eq!(controls, [Control::Pong(Bytes::from_static(b"p"))]);
        }
    }

    #[test]
    fn a_close_is_answered_with_its_code_and_ends_reading() {
        let mut data = client_bytes(&[
            Message::text("a"),
            Message::Close(Some(tungstenite::protocol::CloseFrame {
                code: 4000.into(),
                reason: Utf8Bytes::from_static("bye"),
            })),
        ]);
        data.extend(client_bytes(&[Message::text("after")]));
        let (messages, controls, err) = feed(&data, data.len(), 1 << 20);
        assert_eq!(messages, [text("a")]);
        assert_eq!(controls, [Control::Close(Some(4000))]);
        assert!(matches!(err, Some(ReadError::Closed)));

        let data = client_bytes(&[Message::Close(None)]);
        let (_, controls, _) = feed(&data, 1, 1 << 20);
        assert_eq!(controls, [Control::Close(None)]);
    }

    #[test]
    fn protocol_errors() {
        let cases: Vec<(Vec<u8>, u16)> = vec![
            // Unmasked.
            (raw(true, OpCode::Data(Data::Text), b"a", false), 1002),
            // Reserved bits.
            (
                {
                    let mut f = raw(true, OpCode::Data(Data::Text), b"a", true);
                    f[0] |= 0x40;
                    f
                },
                1002,
            ),
            // Reserved opcode.
            (raw(true, OpCode::Data(Data::Reserved(3)), b"a", true), 1002),
            // Continuation of nothing.
            (raw(true, OpCode::Data(Data::Continue), b"a", true), 1002),
            // A new message inside a fragmented one.
            (
                {
                    let mut f = raw(false, OpCode::Data(Data::Text), b"a", true);
                    f.extend(raw(true, OpCode::Data(Data::Text), b"b", true));
                    f
                },
                1002,
            ),
            // A fragmented ping.
            (
                raw(
                    false,
                    OpCode::Control(tungstenite::protocol::frame::coding::Control::Ping),
                    b"a",
                    true,
                ),
                1002,
            ),
            // A ping over 125 bytes.
            (
                raw(
                    true,
                    OpCode::Control(tungstenite::protocol::frame::coding::Control::Ping),
                    &[0; 126],
                    true,
                ),
                1002,
            ),
            // A close with a one-byte payload, and one with a reserved code.
            (
                raw(
                    true,
                    OpCode::Control(tungstenite::protocol::frame::coding::Control::Close),
                    &[3],
                    true,
                ),
                1002,
            ),
            (
                raw(
                    true,
                    OpCode::Control(tungstenite::protocol::frame::coding::Control::Close),
                    &1005u16.to_be_bytes(),
                    true,
                ),
                1002,
            ),
            // Not UTF-8.
            (
                raw(true, OpCode::Data(Data::Text), &[0xff, 0xfe], true),
                1007,
            ),
            // Over the limit, whole and in fragments.
            (raw(true, OpCode::Data(Data::Binary), &[0; 101], true), 1009),
            (
                {
                    let mut f = raw(false, OpCode::Data(Data::Binary), &[0; 60], true);
                    f.extend(raw(true, OpCode::Data(Data::Continue), &[0; 60], true));
                    f
                },
                1009,
            ),
        ];
        for (i, (data, code)) in cases.iter().enumerate() {
            let (_, _, err) = feed(data, 1, 100);
            let err = err.unwrap_or_else(|| panic!("case {i} passed"));
            assert_eq!(err.close_code(), Some(*code), "case {i}: {err}");
        }
    }

    #[test]
    fn the_length_of_a_frame_is_known_from_its_header() {
        let data = client_bytes(&[Message::text("x".repeat(300))]);
        let parser = FrameParser::new(1 << 20);
        assert_eq!(parser.frame_len(&data[..1]).unwrap(), None);
        assert_eq!(parser.frame_len(&data[..5]).unwrap(), None);
        assert_eq!(parser.frame_len(&data[..8]).unwrap(), Some(data.len()));
    }
}
