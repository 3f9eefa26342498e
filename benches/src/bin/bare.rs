//! The machine's limit: a bare WebSocket server that answers the benchmark's frames as a
//! Socket.IO server would, with none of the work of one. Listens on `127.0.0.1:$PORT`.
//!
//! Nothing stands between it and the socket: the HTTP upgrade is read by hand, client frames are
//! unmasked in place, and every frame it sends is encoded once, header included, then handed by
//! reference to each receiver's queue and written from there with `writev` — a broadcast's
//! bytes are never copied in user space. Each connection keeps a 4 KiB read buffer, as
//! tungstenite does and as socketry does by default, so memory compares like with like.

#[path = "bare_common/contract.rs"]
mod contract;

use bytes::{Buf, Bytes, BytesMut};
use contract::Request;
use std::collections::HashMap;
use std::io::IoSlice;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

type Peers = Arc<Mutex<Vec<Arc<Outbox>>>>;
type Rooms = Arc<Mutex<HashMap<String, Vec<Arc<Outbox>>>>>;

const READ_BUFFER: usize = 4 * 1024;

/// One connection's frames waiting for its writer.
#[derive(Default)]
struct Outbox {
    frames: Mutex<Vec<Bytes>>,
    ready: Notify,
    closed: AtomicBool,
}

impl Outbox {
    fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        self.ready.notify_one();
    }

    fn send(&self, frame: Bytes) {
        if self.closed.load(Ordering::Relaxed) {
            return;
        }
        let mut frames = self.frames.lock().unwrap();
        frames.push(frame);
        if frames.len() == 1 {
            self.ready.notify_one();
        }
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let listener = contract::listen(&port)?;
    let peers: Peers = Arc::default();
    let rooms: Rooms = Arc::default();
    loop {
        let (tcp, _) = listener.accept().await?;
        let _ = tcp.set_nodelay(true);
        tokio::spawn(serve(tcp, peers.clone(), rooms.clone()));
    }
}

async fn serve(mut tcp: tokio::net::TcpStream, peers: Peers, rooms: Rooms) {
    let mut buf = BytesMut::with_capacity(READ_BUFFER);
    let Some(key) = read_upgrade(&mut tcp, &mut buf).await else {
        return;
    };
    let accept = format!(
        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        derive_accept_key(key.as_bytes())
    );
    if tcp.write_all(accept.as_bytes()).await.is_err() {
        return;
    }
    let (read, write) = tcp.into_split();
    let outbox = Arc::new(Outbox::default());
    peers.lock().unwrap().push(outbox.clone());
    outbox.send(frame(contract::OPEN));
    tokio::spawn(write_frames(write, outbox.clone()));
    read_frames(read, buf, &outbox, peers, rooms).await;
    outbox.close();
}

/// Reads the HTTP upgrade request; returns its `Sec-WebSocket-Key`.
async fn read_upgrade(tcp: &mut tokio::net::TcpStream, buf: &mut BytesMut) -> Option<String> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end]).ok()?;
            let key = head.lines().find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("sec-websocket-key")
                    .then(|| value.trim().to_owned())
            });
            buf.advance(end + 4);
            return key;
        }
        if tcp.read_buf(buf).await.ok()? == 0 {
            return None;
        }
    }
}

/// A final, unmasked text frame holding `text`.
fn frame(text: &str) -> Bytes {
    framed(0x81, text.as_bytes())
}

/// A final, unmasked frame (`first` is its first byte: FIN and opcode) holding `payload`.
fn framed(first: u8, payload: &[u8]) -> Bytes {
    let len = payload.len();
    let mut out = BytesMut::with_capacity(len + 10);
    out.extend_from_slice(&[first]);
    if len < 126 {
        out.extend_from_slice(&[len as u8]);
    } else if len <= usize::from(u16::MAX) {
        out.extend_from_slice(&[126]);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.extend_from_slice(&[127]);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(payload);
    out.freeze()
}

/// Writes what is queued, everything queued in one `writev`, until the connection fails.
async fn write_frames(mut write: OwnedWriteHalf, outbox: Arc<Outbox>) {
    let mut batch = Vec::new();
    loop {
        std::mem::swap(&mut batch, &mut *outbox.frames.lock().unwrap());
        if outbox.closed.load(Ordering::Relaxed) {
            return;
        }
        if batch.is_empty() {
            outbox.ready.notified().await;
            continue;
        }
        if write_all(&mut write, &batch).await.is_err() {
            return;
        }
        batch.clear();
    }
}

async fn write_all(write: &mut OwnedWriteHalf, frames: &[Bytes]) -> std::io::Result<()> {
    // At most IOV_MAX slices a call.
    for chunk in frames.chunks(1024) {
        let mut slices: Vec<IoSlice<'_>> = chunk.iter().map(|f| IoSlice::new(f)).collect();
        let mut slices = &mut slices[..];
        while !slices.is_empty() {
            let n = write.write_vectored(slices).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::WriteZero.into());
            }
            IoSlice::advance_slices(&mut slices, n);
        }
    }
    Ok(())
}

/// Reads client frames (masked, unfragmented) and answers them.
async fn read_frames(
    mut read: OwnedReadHalf,
    mut buf: BytesMut,
    outbox: &Arc<Outbox>,
    peers: Peers,
    rooms: Rooms,
) {
    // A binary broadcast's header frame, sent with the binary frame that follows it.
    let mut header = None;
    loop {
        while let Some((opcode, payload)) = next_frame(&mut buf) {
            match opcode {
                0x1 => {
                    let Ok(text) = std::str::from_utf8(&payload) else {
                        return;
                    };
                    header = on_text(text, outbox, &peers, &rooms);
                }
                0x2 => {
                    if let Some(header) = header.take() {
                        let attachment = framed(0x82, &payload);
                        for p in peers.lock().unwrap().iter() {
                            p.send(header.clone());
                            p.send(attachment.clone());
                        }
                    }
                }
                // A ping's pong.
                0x9 => {
                    let mut pong = BytesMut::from(&frame_header(0x8A, payload.len())[..]);
                    pong.extend_from_slice(&payload);
                    outbox.send(pong.freeze());
                }
                0x8 => return,
                _ => {}
            }
        }
        if buf.capacity() - buf.len() < 1024 {
            buf.reserve(READ_BUFFER);
        }
        match read.read_buf(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

fn frame_header(first: u8, len: usize) -> Vec<u8> {
    let mut h = vec![first];
    if len < 126 {
        h.push(len as u8);
    } else {
        h.push(126);
        h.extend_from_slice(&(len as u16).to_be_bytes());
    }
    h
}

/// Takes one whole frame off `buf`: its opcode and unmasked payload.
fn next_frame(buf: &mut BytesMut) -> Option<(u8, BytesMut)> {
    if buf.len() < 2 {
        return None;
    }
    let opcode = buf[0] & 0x0f;
    let (len, mut at) = match buf[1] & 0x7f {
        126 if buf.len() >= 4 => (usize::from(u16::from_be_bytes([buf[2], buf[3]])), 4),
        127 if buf.len() >= 10 => (u64::from_be_bytes(buf[2..10].try_into().ok()?) as usize, 10),
        126 | 127 => return None,
        n => (usize::from(n), 2),
    };
    let masked = buf[1] & 0x80 != 0;
    let mask_at = at;
    if masked {
        at += 4;
    }
    if buf.len() < at + len {
        return None;
    }
    let mask: [u8; 4] = if masked {
        buf[mask_at..mask_at + 4].try_into().ok()?
    } else {
        [0; 4]
    };
    buf.advance(at);
    let mut payload = buf.split_to(len);
    for (i, b) in payload.iter_mut().enumerate() {
        *b ^= mask[i & 3];
    }
    Some((opcode, payload))
}

/// Answers a text frame; gives back a binary broadcast's header, to be sent with the next
/// frame.
fn on_text(t: &str, outbox: &Arc<Outbox>, peers: &Peers, rooms: &Rooms) -> Option<Bytes> {
    match contract::parse(t) {
        Request::BroadcastBinary(text) => return Some(frame(&text)),
        Request::Connect(reply) => outbox.send(frame(reply)),
        Request::Broadcast(text) => {
            // One frame for everyone.
            let f = frame(&text);
            for p in peers.lock().unwrap().iter() {
                p.send(f.clone());
            }
        }
        Request::BroadcastRoom(room, text) => {
            let f = frame(&text);
            if let Some(members) = rooms.lock().unwrap().get(room) {
                for p in members {
                    p.send(f.clone());
                }
            }
        }
        Request::Join(room, reply) => {
            rooms
                .lock()
                .unwrap()
                .entry(room.to_owned())
                .or_default()
                .push(outbox.clone());
            outbox.send(frame(&reply));
        }
        Request::Echo(reply) => outbox.send(frame(&reply)),
        Request::Other => {}
    }
    None
}
