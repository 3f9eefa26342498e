//! What the fuzz targets of `runtime/fuzz/` check, shared with the test that replays their
//! corpus (`tests/fuzz_corpus.rs`) on the stable toolchain. Each function decodes an input the
//! way the server does and asserts what must hold of the result, beyond not panicking. Not an
//! API: hidden, and free to change.

mod requests;

pub use requests::PollingWorld;

use crate::adapter::{ConnectionStateRecovery, PersistedSession, SessionData, SessionLog};
use crate::engineio::FrameParser;
use crate::protocol::engineio::packet::{Frame, Packet};
use crate::protocol::engineio::payload;
use crate::protocol::socketio::packet::{self as sio, Packet as SioPacket, Payload};
use crate::protocol::socketio::{Args, binary};
use crate::protocol::{Str, msgpack};
use bytes::{Bytes, BytesMut};
use std::time::{Duration, Instant};

/// What a packet may hold: the server's defaults, with fewer arguments, so that inputs reach
/// that limit too.
const LIMITS: sio::DecodeLimits = sio::DecodeLimits {
    attachments: sio::MAX_ATTACHMENTS,
    depth: sio::MAX_DEPTH,
    arguments: 16,
};

fn text_of(out: BytesMut) -> Str {
    Str::from(String::from_utf8(out.to_vec()).expect("an encoded packet is UTF-8"))
}

/// An Engine.IO packet, v4 and v3, text and binary: whatever decodes re-encodes to a packet
/// that decodes to the same.
pub fn engineio_packet(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(packet) = Packet::decode_text(Str::from(text)) {
            let mut out = BytesMut::new();
            packet.encode_text_into(&mut out);
            assert_eq!(Packet::decode_text(text_of(out)), Ok(packet), "v4 {text:?}");
        }
        if let Ok(packet) = Packet::decode_text_v3(Str::from(text)) {
            let mut out = BytesMut::new();
            packet.encode_text_v3_into(&mut out);
            assert_eq!(
                Packet::decode_text_v3(text_of(out)),
                Ok(packet),
                "v3 {text:?}"
            );
        }
    }
    let bytes = Bytes::copy_from_slice(data);
    assert_eq!(
        Packet::decode_binary(bytes.clone()),
        Packet::Binary(bytes.clone())
    );
    if let Ok(packet) = Packet::decode_binary_v3(bytes) {
        match packet.encode_frame_v3(false) {
            Frame::Binary(again) => {
                assert_eq!(Packet::decode_binary_v3(again), Ok(packet));
            }
            Frame::Text(text) => assert_eq!(Packet::decode_text_v3(text), Ok(packet)),
        }
    }
}

/// A long-polling body, v4 and v3 (text and binary): a body whose packets all decode
/// re-encodes to a body that decodes to the same packets.
pub fn polling_payload(data: &[u8]) {
    let body = Bytes::copy_from_slice(data);
    let v4: Result<Vec<_>, _> = payload::decode_v4(body.clone()).collect();
    if let Ok(packets) = v4 {
        let again: Result<Vec<_>, _> =
            payload::decode_v4(Bytes::from(payload::encode_v4(&packets).to_string())).collect();
        assert_eq!(again, Ok(packets));
    }
    let v3: Result<Vec<_>, _> = payload::v3::decode_text(body.clone()).into_iter().collect();
    if let Ok(packets) = v3 {
        let text = payload::v3::encode_text(&packets);
        let again: Result<Vec<_>, _> = payload::v3::decode_text(Bytes::from(text.to_string()))
            .into_iter()
            .collect();
        assert_eq!(again, Ok(packets));
    }
    let v3: Result<Vec<_>, _> = payload::v3::decode_binary(body).into_iter().collect();
    if let Ok(packets) = v3 {
        let again: Result<Vec<_>, _> =
            payload::v3::decode_binary(payload::v3::encode_binary(&packets))
                .into_iter()
                .collect();
        assert_eq!(again, Ok(packets));
    }
}

/// A Socket.IO packet: whatever decodes re-encodes to a packet that decodes to the same; a
/// binary packet's placeholders are checked against its attachments as the server does, and
/// its arguments then read without a panic.
pub fn socketio_packet(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(packet) = SioPacket::decode_with(Str::from(text), LIMITS) else {
        return;
    };
    assert!(packet.attachments <= LIMITS.attachments);
    let json = |args: &sio::RawArgs, first: Option<String>| {
        let all: Vec<String> = first
            .into_iter()
            .chain(args.iter().map(str::to_owned))
            .collect();
        format!("[{}]", all.join(","))
    };
    let data = match &packet.payload {
        Payload::None => None,
        Payload::Auth(s) | Payload::ConnectError(s) => Some(s.to_string()),
        Payload::Event { name, args } => Some(json(
            args,
            Some(serde_json::to_string(name.as_ref()).expect("a string")),
        )),
        Payload::Ack(args) => Some(json(args, None)),
    };
    let again = sio::encode(
        packet.kind,
        &packet.nsp,
        packet.id,
        data.as_deref(),
        packet.attachments,
    );
    let decoded = SioPacket::decode_with(again.clone(), LIMITS)
        .unwrap_or_else(|e| panic!("{text:?} re-encoded as {again:?}: {e}"));
    assert_eq!(
        meaning(&decoded),
        meaning(&packet),
        "{text:?} re-encoded as {again:?}"
    );
    if let Payload::Event { args, .. } | Payload::Ack(args) = &packet.payload {
        // As the server does once the attachments have arrived.
        let valid = args.iter().all(|json| {
            serde_json::from_str(json)
                .is_ok_and(|v| binary::check_placeholders(&v, packet.attachments).is_ok())
        });
        if valid {
            let attachments = vec![Bytes::from_static(b"\x01\x02"); packet.attachments];
            let args = Args::new(args.clone(), attachments);
            assert_eq!(args.iter().count(), args.len());
        }
    }
}

/// What a packet says, whatever the JSON text that carried its arguments.
fn meaning(p: &SioPacket) -> (String, Vec<String>) {
    let (name, args) = match &p.payload {
        Payload::None => (None, None),
        Payload::Auth(s) => (Some(format!("auth {s}")), None),
        Payload::ConnectError(s) => (Some(format!("error {s}")), None),
        Payload::Event { name, args } => (Some(format!("event {name}")), Some(args)),
        Payload::Ack(args) => (None, Some(args)),
    };
    let header = format!(
        "{:?} {} {:?} {} {name:?}",
        p.kind, p.nsp, p.id, p.attachments
    );
    let args = args.map_or_else(Vec::new, |a| a.iter().map(str::to_owned).collect());
    (header, args)
}

/// What a WebSocket frame reader made of its input: messages, control answers, and how it
/// stopped.
fn read_frames(chunks: &[&[u8]]) -> (Vec<String>, usize, Option<String>) {
    let mut parser = FrameParser::new(64 * 1024);
    let (mut messages, mut controls) = (Vec::new(), 0);
    let mut pending: Vec<u8> = Vec::new();
    for chunk in chunks {
        pending.extend_from_slice(chunk);
        let result = parser.parse(
            &pending,
            &mut |m| messages.push(format!("{m:?}")),
            &mut |_| controls += 1,
        );
        match result {
            Ok(n) => {
                pending.drain(..n);
            }
            Err(e) => return (messages, controls, Some(format!("{e:?}"))),
        }
    }
    (messages, controls, None)
}

/// The WebSocket frame reader (masking, fragments, control frames, close codes, limits): the
/// frames read whole and split at any byte give the same messages, the same control answers
/// and the same error. The input's first two bytes say where to split; the frames follow.
pub fn websocket_frames(input: &[u8]) {
    let (split, data) = match input {
        [a, b, rest @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), rest),
        _ => return,
    };
    let whole = read_frames(&[data]);
    let at = if data.is_empty() {
        0
    } else {
        split % (data.len() + 1)
    };
    let (a, b) = data.split_at(at);
    assert_eq!(read_frames(&[a, b]), whole, "split at {at}");
}

/// [`websocket_frames`] over frames built from a description, so that most inputs are frames
/// the reader takes past its header checks (masked, their lengths in each of the three forms)
/// and reach fragments, control frames, close codes and the size limit. The input: two bytes
/// saying where to split, then per frame a byte of flags (FIN, whether to set reserved bits,
/// whether to leave it unmasked, the opcode's choice), a byte choosing the length form, a
/// length byte, and the payload.
pub fn websocket_built(input: &[u8]) {
    if input.len() < 2 {
        return;
    }
    let mut out = input[..2].to_vec();
    let mut rest = &input[2..];
    while let &[flags, form, len, ref tail @ ..] = rest {
        let len = usize::from(len).min(tail.len());
        let (payload, next) = tail.split_at(len);
        rest = next;
        let opcode =
            [0x0, 0x1, 0x1, 0x2, 0x8, 0x9, 0xA, 0x3, 0xB, 0xF][usize::from(flags & 0x0f) % 10];
        let rsv = if flags & 0x20 != 0 { 0x40 } else { 0 };
        out.push((flags & 0x80) | rsv | opcode);
        let mask_bit = if flags & 0x10 != 0 { 0 } else { 0x80 };
        match form % 3 {
            0 if len < 126 => out.push(mask_bit | len as u8),
            0 | 1 => {
                out.push(mask_bit | 126);
                out.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                out.push(mask_bit | 127);
                out.extend_from_slice(&(len as u64).to_be_bytes());
            }
        }
        let key = [0x37, form, flags, 0x5a];
        if mask_bit != 0 {
            out.extend_from_slice(&key);
        }
        out.extend(payload.iter().enumerate().map(|(i, byte)| {
            if mask_bit != 0 {
                byte ^ key[i % 4]
            } else {
                *byte
            }
        }));
    }
    websocket_frames(&out);
}

/// The connection state recovery of a reconnecting client: a private id and an offset from
/// the client never restore a session that is not theirs, whatever the offset. The input is
/// the private id, then a NUL and the offset (none without a NUL); an `@` in the offset stands
/// for the log's own prefix (random, so that no input could guess it).
pub fn recovery(input: &[u8]) {
    let Ok(input) = std::str::from_utf8(input) else {
        return;
    };
    let mut log = SessionLog::new(ConnectionStateRecovery::default(), Duration::from_secs(45));
    let now = Instant::now();
    let since = log.position();
    let prefix = since.rsplit_once('-').map_or("", |(p, _)| p).to_owned();
    let (pid, offset) = match input.split_once('\0') {
        Some((pid, offset)) => (pid, Some(offset.replace('@', &prefix))),
        None => (input, None),
    };
    let offset = offset.as_deref();
    log.persist(
        PersistedSession {
            sid: Str::from("sid"),
            pid: Str::from("the-pid"),
            rooms: vec![Str::from("sid")],
            data: SessionData::new(serde_json::Value::Null.into()),
            since: Some(since),
            presented: None,
        },
        now,
    );
    let _ = log.missed(&[Str::from("sid")], offset.unwrap_or(""));
    let restored = log.take(pid, offset, now);
    if pid != "the-pid" {
        assert!(restored.is_none(), "{pid:?} took another's session");
    }
}

/// The msgpack decoder (the msgpack parser's wire format): whatever decodes re-encodes to
/// bytes that decode, and encoding is stable from there (an integral float may come back an
/// integer, as JavaScript does not tell them apart).
pub fn msgpack(data: &[u8]) {
    if let Ok(value) = msgpack::decode(data) {
        let once = msgpack::encode(&value);
        let again = msgpack::decode(&once).expect("what was encoded decodes");
        assert_eq!(msgpack::encode(&again), once);
    }
}

/// A target's check of one input.
pub type Check = fn(&[u8]);

/// Every target, by the name of its fuzz target and corpus directory.
pub const TARGETS: &[(&str, Check)] = &[
    ("engineio_packet", engineio_packet),
    ("polling_payload", polling_payload),
    ("socketio_packet", socketio_packet),
    ("websocket_frames", websocket_frames),
    ("websocket_built", websocket_built),
    ("recovery", recovery),
    ("msgpack", msgpack),
];
