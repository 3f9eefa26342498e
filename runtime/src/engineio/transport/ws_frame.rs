//! A server's WebSocket frames (RFC 6455 §5.2), gathered in one buffer: final, unfragmented,
//! unmasked, each a header and the packet's bytes.

use crate::engineio::packet::{Frame, Packet, ProtocolVersion};

const OP_TEXT: u8 = 0x1;
const OP_BINARY: u8 = 0x2;
const OP_CLOSE: u8 = 0x8;

/// Frames waiting for one write.
#[derive(Debug, Default)]
pub(crate) struct FrameBuf {
    buf: Vec<u8>,
}

impl FrameBuf {
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Empties the buffer, keeping at most `keep` bytes of capacity.
    pub(crate) fn clear(&mut self, keep: usize) {
        self.buf.clear();
        if self.buf.capacity() > keep {
            self.buf = Vec::new();
        }
    }

    /// Adds `packet`'s frame, in the session's protocol (`b64`: a v3 client that takes binary
    /// only as base64).
    pub(crate) fn push_packet(&mut self, protocol: ProtocolVersion, b64: bool, packet: &Packet) {
        if protocol == ProtocolVersion::V3 {
            return self.push_frame(&packet.encode_frame_v3(b64));
        }
        match packet {
            // The hot paths, with no intermediate buffer: a broadcast's text as it was encoded,
            // a direct message behind its `4`.
            Packet::Framed(text) => self.push(OP_TEXT, &[text.as_str().as_bytes()]),
            Packet::Message(text) => self.push(OP_TEXT, &[b"4", text.as_str().as_bytes()]),
            Packet::Binary(data) => self.push(OP_BINARY, &[data]),
            other => self.push_frame(&other.encode_frame()),
        }
    }

    /// A close frame without a status code.
    pub(crate) fn push_close(&mut self) {
        self.push(OP_CLOSE, &[]);
    }

    fn push_frame(&mut self, frame: &Frame) {
        match frame {
            Frame::Text(text) => self.push(OP_TEXT, &[text.as_str().as_bytes()]),
            Frame::Binary(data) => self.push(OP_BINARY, &[data]),
        }
    }

    /// One frame whose payload is `parts` end to end.
    fn push(&mut self, opcode: u8, parts: &[&[u8]]) {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        self.buf.reserve(len + 10);
        self.buf.push(0x80 | opcode);
        if len < 126 {
            self.buf.push(len as u8);
        } else if let Ok(len) = u16::try_from(len) {
            self.buf.push(126);
            self.buf.extend_from_slice(&len.to_be_bytes());
        } else {
            self.buf.push(127);
            self.buf.extend_from_slice(&(len as u64).to_be_bytes());
        }
        for part in parts {
            self.buf.extend_from_slice(part);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engineio::str::Str;
    use bytes::Bytes;
    use std::io::Cursor;
    use tungstenite::protocol::{Role, WebSocket};
    use tungstenite::{Message, Utf8Bytes};

    /// What a client reads from `frames`, with tungstenite's own parser.
    fn read_as_client(frames: &FrameBuf) -> Vec<Message> {
        let mut ws =
            WebSocket::from_raw_socket(Cursor::new(frames.bytes().to_vec()), Role::Client, None);
        let mut out = Vec::new();
        while let Ok(m) = ws.read() {
            out.push(m);
        }
        out
    }

    #[test]
    fn a_client_reads_every_length_form() {
        let mut frames = FrameBuf::default();
        let texts: Vec<String> = [0, 1, 124, 125, 126, 65_535, 65_536, 200_000]
            .iter()
            .map(|&n| "x".repeat(n))
            .collect();
        for t in &texts {
            let framed = Str::from(format!("4{t}"));
            frames.push_packet(ProtocolVersion::V4, false, &Packet::Framed(framed));
        }
        let read = read_as_client(&frames);
        assert_eq!(read.len(), texts.len());
        for (m, t) in read.iter().zip(&texts) {
            assert_eq!(m, &Message::Text(Utf8Bytes::from(format!("4{t}"))));
        }
    }

    #[test]
    fn packets_in_both_protocols() {
        let mut frames = FrameBuf::default();
        let data = Bytes::from_static(&[1, 2, 3]);
        frames.push_packet(
            ProtocolVersion::V4,
            false,
            &Packet::Message(Str::from("hi")),
        );
        frames.push_packet(ProtocolVersion::V4, false, &Packet::Ping);
        frames.push_packet(ProtocolVersion::V4, false, &Packet::Binary(data.clone()));
        frames.push_packet(ProtocolVersion::V3, false, &Packet::Binary(data.clone()));
        frames.push_packet(ProtocolVersion::V3, true, &Packet::Binary(data));
        frames.push_close();
        let read = read_as_client(&frames);
        assert_eq!(
            read,
            [
                Message::text("4hi"),
                Message::text("2"),
                Message::Binary(Bytes::from_static(&[1, 2, 3])),
                Message::Binary(Bytes::from_static(&[4, 1, 2, 3])),
                Message::text("b4AQID"),
                Message::Close(None),
            ]
        );
        frames.clear(0);
        assert!(frames.is_empty());
    }
}
