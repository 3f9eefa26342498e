//! WebSocket: a session opened directly on a WebSocket, or a polling session upgraded to one.

pub(crate) mod conn;
mod frame;
mod io;
pub(crate) mod read;

use crate::engineio::config::TransportKind;
use crate::engineio::engine::EngineShared;
use crate::engineio::errors::CloseReason;
use crate::engineio::request::RequestInfo;
use crate::engineio::session::EngineSocket;
use crate::engineio::session::queue::Drained;
use crate::protocol::Sid;
use crate::protocol::engineio::packet::{Packet, ProtocolVersion};
use conn::{WsConn, WsReader, WsWriter};
use read::{ReadError, WsMessage};
use std::future::poll_fn;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::OwnedMutexGuard;
use tokio::task::JoinHandle;

/// The most packets a busy writer's batch keeps room for while it waits.
const KEPT_BATCH: usize = 64;

/// How long the last close frame may take to go out to a client that stopped reading.
const CLOSE_WRITE_TIMEOUT: Duration = Duration::from_secs(1);

/// A new session on a WebSocket: the `open` packet first, then the session runs.
pub(crate) async fn handshake(
    engine: Arc<EngineShared>,
    mut ws: WsConn,
    sid: Sid,
    protocol: ProtocolVersion,
    b64: bool,
    request: Arc<RequestInfo>,
) {
    let (socket, open) = engine.open_session(sid, protocol, b64, TransportKind::WebSocket, request);
    let consumer = socket.consumer.clone().lock_owned().await;
    ws.writer.push(&socket, &Packet::Open(open));
    if ws.writer.flush().await.is_err() {
        socket.terminate(CloseReason::TransportError);
        return;
    }
    engine.handler.on_connect(&socket);
    spawn_run(ws, socket, consumer, Vec::new(), None);
}

/// A polling session probing, then moving to, this WebSocket. Until the client's `upgrade`
/// packet the session goes on over polling; a failed probe leaves it there.
pub(crate) async fn upgrade(engine: Arc<EngineShared>, mut ws: WsConn, socket: Arc<EngineSocket>) {
    if !socket.begin_upgrade() {
        tracing::debug!(sid = %socket.id(), "upgrade refused: already upgrading or upgraded");
        let _ = ws.writer.close().await;
        return;
    }
    let deadline = tokio::time::sleep(engine.config.upgrade_timeout);
    tokio::pin!(deadline);
    let mut probed = false;
    // What one read brought; after the `upgrade` packet, what the client sent next already,
    // and how that read ended: a client that closes as it upgrades sends both in one read.
    let mut read = Vec::new();
    let mut ended = None;
    let upgraded = 'probe: loop {
        let result = tokio::select! {
            r = poll_fn(|cx| ws.reader.poll_read(cx, &mut |m| read.push(m))) => r,
            _ = &mut deadline => {
                tracing::debug!(sid = %socket.id(), "upgrade timed out");
                break false;
            }
            _ = socket.closed() => break false,
        };
        let mut messages = std::mem::take(&mut read).into_iter();
        while let Some(message) = messages.next() {
            let packet = match message {
                WsMessage::Text(t) => Packet::decode_text(t),
                WsMessage::Binary(_) => break 'probe false,
            };
            match packet {
                Ok(Packet::PingProbe) if !probed => {
                    ws.writer.push(&socket, &Packet::PongProbe);
                    if ws.writer.flush().await.is_err() {
                        break 'probe false;
                    }
                    probed = true;
                    socket.mark_probed();
                }
                Ok(Packet::Upgrade) if probed => {
                    read = messages.collect();
                    ended = result.err();
                    break 'probe true;
                }
                _ => {
                    tracing::debug!(sid = %socket.id(), "invalid upgrade packet");
                    break 'probe false;
                }
            }
        }
        if let Err(e) = result {
            tracing::debug!(sid = %socket.id(), error = %e, "websocket closed while upgrading");
            break false;
        }
    };
    // A session the server is closing still completes its upgrade: its last packets (a
    // DISCONNECT, say) then drain over the WebSocket the client has switched to.
    if !upgraded || socket.is_terminated() {
        socket.abort_upgrade();
        let _ = ws.writer.close().await;
        return;
    }
    // The pending poll, released by the probe, gives the queue back promptly.
    let consumer = socket.consumer.clone().lock_owned().await;
    socket.finish_upgrade();
    tracing::debug!(sid = %socket.id(), "upgraded to websocket");
    spawn_run(ws, socket, consumer, read, ended);
}

/// Runs the session: its reader and its writer in tasks of their own, so that a packet to send
/// wakes the writer alone and a frame read wakes the reader alone, and so that what the
/// handshake needed (the HTTP upgrade, its closures) is freed now rather than held in the state
/// of a task that lives as long as the connection.
///
/// `early` are messages read already, and `ended` how the read that brought them ended.
fn spawn_run(
    ws: WsConn,
    socket: Arc<EngineSocket>,
    consumer: OwnedMutexGuard<()>,
    early: Vec<WsMessage>,
    ended: Option<ReadError>,
) {
    let WsConn { reader, mut writer } = ws;
    writer.attach(&socket);
    for message in early {
        on_message(&socket, message);
    }
    if let Some(e) = ended {
        read_ended(&reader, &socket, &e);
    }
    let writer = tokio::spawn(write_queue(writer, socket.clone()));
    tokio::spawn(read_frames(reader, socket, writer, consumer));
}

/// Reads packets into the session until either side closes, then waits for the writer to send
/// the close frame. Holds the queue's consumer lock until then.
async fn read_frames(
    mut reader: WsReader,
    socket: Arc<EngineSocket>,
    writer: JoinHandle<()>,
    consumer: OwnedMutexGuard<()>,
) {
    let socket = &socket;
    // One wait for the close, registered once for the loop, not once per read.
    let closed = socket.closed();
    tokio::pin!(closed);
    loop {
        // Checked with an atomic load per read; the token's future, whose poll takes a lock
        // and registers a waker, is polled only when the client has nothing to read.
        if socket.is_terminated() {
            break;
        }
        let read = tokio::select! {
            biased;
            r = poll_fn(|cx| reader.poll_read(cx, &mut |m| on_message(socket, m))) => r,
            _ = &mut closed => break,
        };
        if let Err(e) = read {
            read_ended(&reader, socket, &e);
        }
    }
    // The writer ends once the session has: it sends the close frame, then the halves drop.
    let _ = writer.await;
    drop(reader);
    drop(consumer);
}

/// The client closed, or sent what ends the connection: the session ends with the reason.
fn read_ended(reader: &WsReader, socket: &Arc<EngineSocket>, e: &ReadError) {
    tracing::debug!(sid = %socket.id(), error = %e, "websocket read ended");
    if let Some(code) = e.close_code() {
        reader.send_close(code);
    }
    socket.terminate(read_error_reason(e));
}

/// A message from the client, decoded in the session's protocol.
fn on_message(socket: &Arc<EngineSocket>, message: WsMessage) {
    let len = match &message {
        WsMessage::Text(text) => text.len(),
        WsMessage::Binary(data) => data.len(),
    };
    crate::metrics::packets(crate::metrics::Direction::In, "websocket", 1, len as u64);
    let packet = match (message, socket.protocol()) {
        (WsMessage::Text(text), ProtocolVersion::V4) => Packet::decode_text(text),
        (WsMessage::Text(text), ProtocolVersion::V3) => Packet::decode_text_v3(text),
        (WsMessage::Binary(data), ProtocolVersion::V4) => Ok(Packet::decode_binary(data)),
        (WsMessage::Binary(data), ProtocolVersion::V3) => Packet::decode_binary_v3(data),
    };
    on_decoded(socket, packet);
}

/// Writes the session's queue to the WebSocket until the session ends, then closes it.
async fn write_queue(mut writer: WsWriter, socket: Arc<EngineSocket>) {
    let mut batch = Drained::default();
    // Read once: they do not change, and the session's other fields are not touched per batch.
    let (protocol, b64) = (socket.protocol(), socket.b64());
    // A close the last poll could not carry (it had packets before it) goes out now. Only a
    // poll sets it, and none runs any more: this writer holds the queue.
    if socket.close_pending.swap(false, Ordering::AcqRel) {
        socket.terminate(socket.closing_reason());
    }
    'session: loop {
        // Everything queued at once: a socket receiving broadcasts faster than it reads them
        // gets them in one write. `terminate` ends this wait too (`batch.ended`).
        poll_fn(|cx| {
            let mut release = false;
            let drained = socket.queue.poll_drain(cx, &mut batch, &mut release);
            if release {
                // Idle: no buffers held while waiting, as the queue gives its own back.
                batch.release();
                writer.release_buffer();
            } else if drained.is_pending() && batch.capacity() > KEPT_BATCH {
                batch.release();
            }
            drained
        })
        .await;
        if batch.ended {
            break;
        }
        if std::mem::take(&mut batch.woken) {
            // The reader may have left an answer (a pong, a close) for the next flush.
            writer.control_due();
        }
        let mut last = false;
        let (mut packets, mut bytes) = (0u64, 0usize);
        for packet in batch.drain() {
            if packet == Packet::Close {
                last = true;
                break;
            }
            writer.push_as(protocol, b64, &packet);
            packets += 1;
            if writer.is_full() {
                bytes += writer.pending_len();
                if !written(&socket, writer.flush().await) {
                    break 'session;
                }
            }
        }
        bytes += writer.pending_len();
        crate::metrics::packets(
            crate::metrics::Direction::Out,
            "websocket",
            packets,
            bytes as u64,
        );
        // Also the connection's own frames (a pong, the answer to a close).
        if !written(&socket, writer.flush().await) {
            break;
        }
        if last {
            // The server's close: WebSocket clients get a close frame, not a `1` packet.
            socket.terminate(socket.closing_reason());
            break;
        }
    }
    drop(batch);
    let _ = Box::pin(tokio::time::timeout(CLOSE_WRITE_TIMEOUT, writer.close())).await;
}

/// Whether a write went through; a failed one ends the session.
fn written(socket: &Arc<EngineSocket>, result: std::io::Result<()>) -> bool {
    if let Err(e) = result {
        tracing::debug!(sid = %socket.id(), error = %e, "websocket write error");
        socket.terminate(CloseReason::TransportError);
        return false;
    }
    true
}

fn on_decoded(
    socket: &Arc<EngineSocket>,
    packet: Result<Packet, crate::protocol::engineio::packet::DecodeError>,
) {
    match packet {
        Ok(packet) => socket.on_packet(packet),
        Err(e) => {
            tracing::debug!(sid = %socket.id(), error = %e, "parse error");
            socket.terminate(CloseReason::ParseError);
        }
    }
}

/// A connection that simply went away, or a client that closed, is a `transport close`, as the
/// reference's `ws` reports a bare TCP close; a broken frame or an oversized message is a
/// `transport error`.
fn read_error_reason(error: &ReadError) -> CloseReason {
    match error {
        ReadError::Eof | ReadError::Closed => CloseReason::TransportClose,
        ReadError::Io(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            ) =>
        {
            CloseReason::TransportClose
        }
        _ => CloseReason::TransportError,
    }
}
