//! A server's WebSocket frames (RFC 6455 §5.2), gathered for one write: final, unfragmented,
//! unmasked, each a header and the packet's bytes. Small payloads are copied behind their
//! header into one buffer; large ones (a broadcast, an attachment) are written from the `Bytes`
//! they already live in, which every receiver shares, with one vectored write. A broadcast's
//! whole frame, header included, is built once and shared (see [`Framed`]).
//!
//! [`Framed`]: crate::protocol::Framed

use crate::protocol::engineio::packet::{Frame, Packet, ProtocolVersion};
use bytes::Bytes;
use std::io::IoSlice;

// Opcodes (RFC 6455 §5.2), for the frames written here and read in `read.rs`.
pub(crate) const OP_CONTINUATION: u8 = 0x0;
pub(crate) const OP_TEXT: u8 = 0x1;
pub(crate) const OP_BINARY: u8 = 0x2;
pub(crate) const OP_CLOSE: u8 = 0x8;
pub(crate) const OP_PING: u8 = 0x9;
pub(crate) const OP_PONG: u8 = 0xA;

/// The payload size from which a frame's bytes are written where they are rather than copied:
/// below it, a copy costs less than one more slice of a vectored write.
const SHARE_FROM: usize = 256;

/// Frames waiting for one write.
#[derive(Debug, Default)]
pub(crate) struct FrameBuf {
    buf: Vec<u8>,
    /// Payloads written by reference, each with the length of `buf` it follows.
    shared: Vec<(usize, Bytes)>,
    shared_len: usize,
}

impl FrameBuf {
    pub(crate) fn len(&self) -> usize {
        self.buf.len() + self.shared_len
    }

    /// The bytes copied into the buffer (headers and small payloads).
    pub(crate) fn copied_len(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The frames' bytes in order: stretches of the buffer and shared payloads between them.
    fn segments(&self) -> impl Iterator<Item = &[u8]> {
        let mut at = 0;
        self.shared
            .iter()
            .flat_map(move |(end, bytes)| {
                let copied = &self.buf[at..*end];
                at = *end;
                [copied, &bytes[..]]
            })
            .chain(std::iter::once_with(move || {
                let last = self.shared.last().map_or(0, |(end, _)| *end);
                &self.buf[last..]
            }))
            .filter(|s| !s.is_empty())
    }

    /// Fills `out` with the frames' bytes from `skip` on (what a previous write did not take);
    /// gives how many slices it filled.
    pub(crate) fn fill_slices<'a>(&'a self, mut skip: usize, out: &mut [IoSlice<'a>]) -> usize {
        let mut n = 0;
        for seg in self.segments() {
            if n == out.len() {
                break;
            }
            if skip >= seg.len() {
                skip -= seg.len();
                continue;
            }
            out[n] = IoSlice::new(&seg[skip..]);
            skip = 0;
            n += 1;
        }
        n
    }

    /// Whether the frames are all in the one buffer (`contiguous()`), with nothing by reference.
    pub(crate) fn is_contiguous(&self) -> bool {
        self.shared.is_empty()
    }

    /// The buffer of copied frames.
    pub(crate) fn contiguous(&self) -> &[u8] {
        &self.buf
    }

    /// Empties the buffer, keeping at most `keep` bytes of capacity.
    pub(crate) fn clear(&mut self, keep: usize) {
        self.buf.clear();
        if self.buf.capacity() > keep {
            self.buf = Vec::new();
        }
        self.shared.clear();
        self.shared_len = 0;
        if keep == 0 {
            self.shared = Vec::new();
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
            Packet::Framed(framed) if framed.len() >= SHARE_FROM => {
                let frame = framed.ws_frame(|text| {
                    let mut one = FrameBuf::default();
                    one.push(OP_TEXT, &[text.as_bytes()]);
                    Bytes::from(one.buf)
                });
                self.push_shared(frame.clone());
            }
            Packet::Framed(framed) => self.push(OP_TEXT, &[framed.as_bytes()]),
            Packet::Message(text) => self.push_bytes(OP_TEXT, b"4", text.as_bytes()),
            Packet::Binary(data) => self.push_bytes(OP_BINARY, b"", data),
            other => self.push_frame(&other.encode_frame()),
        }
    }

    /// A close frame, with a status code or without.
    pub(crate) fn push_close(&mut self, code: Option<u16>) {
        match code {
            Some(code) => self.push(OP_CLOSE, &[&code.to_be_bytes()]),
            None => self.push(OP_CLOSE, &[]),
        }
    }

    /// A control frame (a pong) carrying `payload`.
    pub(crate) fn push_control(&mut self, opcode: u8, payload: &[u8]) {
        self.push(opcode, &[payload]);
    }

    fn push_frame(&mut self, frame: &Frame) {
        match frame {
            Frame::Text(text) => self.push_bytes(OP_TEXT, b"", text.as_bytes()),
            Frame::Binary(data) => self.push_bytes(OP_BINARY, b"", data),
        }
    }

    /// One frame whose payload is `prefix` then `bytes`, the latter shared if it is large.
    fn push_bytes(&mut self, opcode: u8, prefix: &[u8], bytes: &Bytes) {
        if bytes.len() < SHARE_FROM {
            return self.push(opcode, &[prefix, bytes]);
        }
        self.push_header(opcode, prefix.len() + bytes.len());
        self.buf.extend_from_slice(prefix);
        self.push_shared(bytes.clone());
    }

    /// Bytes written where they are, after what is in the buffer now.
    fn push_shared(&mut self, bytes: Bytes) {
        self.shared_len += bytes.len();
        self.shared.push((self.buf.len(), bytes));
    }

    /// One frame whose payload is `parts` end to end, copied.
    fn push(&mut self, opcode: u8, parts: &[&[u8]]) {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        self.buf.reserve(len + 10);
        self.push_header(opcode, len);
        for part in parts {
            self.buf.extend_from_slice(part);
        }
    }

    fn push_header(&mut self, opcode: u8, len: usize) {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Framed;
    use crate::protocol::Str;
    use std::io::Cursor;
    use tungstenite::protocol::{Role, WebSocket};
    use tungstenite::{Message, Utf8Bytes};

    fn bytes_of(frames: &FrameBuf) -> Vec<u8> {
        frames.segments().flatten().copied().collect()
    }

    /// What a client reads from `frames`, with tungstenite's own parser.
    fn read_as_client(frames: &FrameBuf) -> Vec<Message> {
        let mut ws = WebSocket::from_raw_socket(Cursor::new(bytes_of(frames)), Role::Client, None);
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
            frames.push_packet(ProtocolVersion::V4, false, &Packet::Framed(framed.into()));
        }
        let read = read_as_client(&frames);
        assert_eq!(read.len(), texts.len());
        for (m, t) in read.iter().zip(&texts) {
            assert_eq!(m, &Message::Text(Utf8Bytes::from(format!("4{t}"))));
        }
    }

    #[test]
    fn a_large_broadcast_is_framed_once_for_every_receiver() {
        let framed = Framed::from(Str::from(format!("42[\"{}\"]", "y".repeat(SHARE_FROM))));
        let packet = Packet::Framed(framed.clone());
        let (mut a, mut b) = (FrameBuf::default(), FrameBuf::default());
        a.push_packet(ProtocolVersion::V4, false, &Packet::Ping);
        a.push_packet(ProtocolVersion::V4, false, &packet);
        b.push_packet(ProtocolVersion::V4, false, &packet);
        // Both write the one frame built for the message, header included; nothing is copied.
        let (a_slices, b_slices): (Vec<_>, Vec<_>) =
            (a.segments().collect(), b.segments().collect());
        assert_eq!(a_slices.len(), 2);
        assert_eq!(b_slices.len(), 1);
        assert_eq!(a_slices[1].as_ptr(), b_slices[0].as_ptr());
        assert_eq!(a.copied_len(), 3);
        assert_eq!(
            read_as_client(&a),
            [Message::text("2"), Message::text(framed.as_str())]
        );
    }

    #[test]
    fn a_partial_write_resumes_where_it_stopped() {
        let mut frames = FrameBuf::default();
        for n in [3, SHARE_FROM, 5, SHARE_FROM + 1] {
            let text = Str::from(format!("4{}", "z".repeat(n)));
            frames.push_packet(ProtocolVersion::V4, false, &Packet::Framed(text.into()));
        }
        let all = bytes_of(&frames);
        assert_eq!(all.len(), frames.len());
        for skip in 0..all.len() {
            let mut slices = [IoSlice::new(&[]); 3];
            let filled = frames.fill_slices(skip, &mut slices);
            let got: Vec<u8> = slices[..filled]
                .iter()
                .flat_map(|s| s.iter().copied())
                .collect();
            assert!(all[skip..].starts_with(&got), "skip {skip}");
            assert!(filled == 3 || got.len() == all.len() - skip, "skip {skip}");
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
        frames.push_close(None);
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
