//! WebSocket: a session opened directly on a WebSocket, or a polling session upgraded to one.

use super::upgrade::WsStream;
use crate::engineio::config::TransportKind;
use crate::engineio::engine::EngineShared;
use crate::engineio::errors::CloseReason;
use crate::engineio::packet::{Frame, Packet, ProtocolVersion};
use crate::engineio::request::RequestInfo;
use crate::engineio::sid::Sid;
use crate::engineio::socket::EngineSocket;
use crate::engineio::str::Str;
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{self, Message as WsMessage};

/// How many packets at the start of a session go out one per write.
const PACED_WRITES: u32 = 4;

/// The least time between two of those writes.
const PACING_GAP: Duration = Duration::from_millis(1);

/// How long the last close frame may take to go out to a client that stopped reading.
const CLOSE_WRITE_TIMEOUT: Duration = Duration::from_secs(1);

/// A new session on a WebSocket: the `open` packet first, then the session runs.
pub(crate) async fn handshake(
    engine: Arc<EngineShared>,
    mut ws: WsStream,
    sid: Sid,
    protocol: ProtocolVersion,
    b64: bool,
    request: Arc<RequestInfo>,
) {
    let (socket, open) = engine.open_session(sid, protocol, b64, TransportKind::WebSocket, request);
    let mut rx = socket.rx.lock().await;
    if protocol == ProtocolVersion::V3 {
        // The HTTP 101 answer and the open packet in one read reach a v3 client's `open` and
        // `message` events in one tick, before a listener attached after `open` is in place (the
        // v3 protocol test-suite does exactly that). A moment between them keeps them apart.
        tokio::time::sleep(PACING_GAP).await;
    }
    if ws
        .send(to_ws(Packet::Open(open).encode_frame()))
        .await
        .is_err()
    {
        socket.terminate(CloseReason::TransportError);
        return;
    }
    engine.handler.on_connect(&socket);
    run(ws, &socket, &mut rx).await;
}

/// A polling session probing, then moving to, this WebSocket. Until the client's `upgrade`
/// packet the session goes on over polling; a failed probe leaves it there.
pub(crate) async fn upgrade(
    engine: Arc<EngineShared>,
    mut ws: WsStream,
    socket: Arc<EngineSocket>,
) {
    if !socket.begin_upgrade() {
        tracing::debug!(sid = %socket.id(), "upgrade refused: already upgrading or upgraded");
        let _ = ws.send(WsMessage::Close(None)).await;
        return;
    }
    let deadline = tokio::time::sleep(engine.config.upgrade_timeout);
    tokio::pin!(deadline);
    let mut probed = false;
    let upgraded = loop {
        let msg = tokio::select! {
            msg = ws.next() => msg,
            _ = &mut deadline => {
                tracing::debug!(sid = %socket.id(), "upgrade timed out");
                break false;
            }
            _ = socket.closed() => break false,
        };
        let packet = match msg {
            Some(Ok(WsMessage::Text(t))) => Packet::decode_text(Str::from_ws(t)),
            Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_) | WsMessage::Frame(_))) => continue,
            _ => break false,
        };
        match packet {
            Ok(Packet::PingProbe) if !probed => {
                if ws
                    .send(to_ws(Packet::PongProbe.encode_frame()))
                    .await
                    .is_err()
                {
                    break false;
                }
                probed = true;
                socket.mark_probed();
            }
            Ok(Packet::Upgrade) if probed => break true,
            _ => {
                tracing::debug!(sid = %socket.id(), "invalid upgrade packet");
                break false;
            }
        }
    };
    // A session the server is closing still completes its upgrade: its last packets (a
    // DISCONNECT, say) then drain over the WebSocket the client has switched to.
    if !upgraded || socket.is_terminated() {
        socket.abort_upgrade();
        let _ = ws.send(WsMessage::Close(None)).await;
        return;
    }
    // The pending poll, released by the probe, gives the queue back promptly.
    let mut rx = socket.rx.lock().await;
    socket.finish_upgrade();
    tracing::debug!(sid = %socket.id(), "upgraded to websocket");
    run(ws, &socket, &mut rx).await;
}

/// Reads packets into the session and writes its queue out, until either side closes.
async fn run(ws: WsStream, socket: &Arc<EngineSocket>, rx: &mut mpsc::Receiver<Packet>) {
    let (mut sink, mut stream) = ws.split();
    let reader = async {
        // One wait for the close, registered once for the loop, not once per message.
        let closed = socket.closed();
        tokio::pin!(closed);
        loop {
            // Checked with an atomic load per message; the token's future, whose poll takes a
            // lock and registers a waker, is polled only when the client has nothing to read.
            if socket.is_terminated() {
                return;
            }
            let msg = tokio::select! {
                biased;
                msg = stream.next() => msg,
                _ = &mut closed => return,
            };
            match msg {
                Some(Ok(WsMessage::Text(t))) => {
                    let text = Str::from_ws(t);
                    let packet = match socket.protocol() {
                        ProtocolVersion::V4 => Packet::decode_text(text),
                        ProtocolVersion::V3 => Packet::decode_text_v3(text),
                    };
                    on_decoded(socket, packet);
                }
                Some(Ok(WsMessage::Binary(data))) => {
                    let packet = match socket.protocol() {
                        ProtocolVersion::V4 => Ok(Packet::decode_binary(data)),
                        ProtocolVersion::V3 => Packet::decode_binary_v3(data),
                    };
                    on_decoded(socket, packet);
                }
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_) | WsMessage::Frame(_))) => {}
                Some(Ok(WsMessage::Close(_))) | None => {
                    socket.terminate(CloseReason::TransportClose)
                }
                Some(Err(e)) => {
                    tracing::debug!(sid = %socket.id(), error = %e, "websocket read error");
                    socket.terminate(read_error_reason(e));
                }
            }
        }
    };
    let writer = async {
        let closed = socket.closed();
        tokio::pin!(closed);
        let mut writes = 0;
        let mut paced_at = None;
        loop {
            // A close the last poll could not carry (it had packets before it) goes out now.
            if socket
                .close_pending
                .swap(false, std::sync::atomic::Ordering::AcqRel)
            {
                socket.terminate(CloseReason::ForcedClose);
                break;
            }
            // As in the reader: an atomic check per packet, the token's future only when idle.
            if socket.is_terminated() {
                break;
            }
            let packet = tokio::select! {
                biased;
                p = rx.recv() => p.expect("the session holds a sender while it lives"),
                _ = &mut closed => break,
            };
            let mut last = packet == Packet::Close;
            // The first packets of a session go out one per write, a moment apart, so that a
            // client sees its CONNECT reply alone: clients (and the protocol test-suites) that
            // handle one message per read expect it, as they get it from the reference. After
            // that, everything queued goes out in one write, which halves the writes of a socket
            // receiving broadcasts faster than it reads them.
            if writes < PACED_WRITES && !last {
                if let Some(at) = paced_at {
                    tokio::time::sleep_until(at + PACING_GAP).await;
                }
                writes += 1;
                let sent = sink.send(frame(socket, &packet)).await;
                paced_at = Some(tokio::time::Instant::now());
                if let Err(e) = sent {
                    tracing::debug!(sid = %socket.id(), error = %e, "websocket write error");
                    socket.terminate(CloseReason::TransportError);
                    break;
                }
                continue;
            }
            if let Some(at) = paced_at.take() {
                // The last one-packet write gets its moment too.
                tokio::time::sleep_until(at + PACING_GAP).await;
            }
            let mut result = if last {
                Ok(())
            } else {
                sink.feed(frame(socket, &packet)).await
            };
            let mut fed = !last;
            while result.is_ok() && !last {
                match rx.try_recv() {
                    Ok(Packet::Close) => last = true,
                    Ok(p) => {
                        fed = true;
                        result = sink.feed(frame(socket, &p)).await;
                    }
                    Err(_) => break,
                }
            }
            if fed && result.is_ok() {
                result = sink.flush().await;
            }
            if let Err(e) = result {
                tracing::debug!(sid = %socket.id(), error = %e, "websocket write error");
                socket.terminate(CloseReason::TransportError);
                break;
            }
            if last {
                // The server's close: WebSocket clients get a close frame, not a `1` packet.
                socket.terminate(CloseReason::ForcedClose);
                break;
            }
        }
        let _ = tokio::time::timeout(CLOSE_WRITE_TIMEOUT, sink.send(WsMessage::Close(None))).await;
    };
    tokio::join!(reader, writer);
}

fn on_decoded(
    socket: &Arc<EngineSocket>,
    packet: Result<Packet, crate::engineio::packet::DecodeError>,
) {
    match packet {
        Ok(packet) => socket.on_packet(packet),
        Err(e) => {
            tracing::debug!(sid = %socket.id(), error = %e, "parse error");
            socket.terminate(CloseReason::ParseError);
        }
    }
}

/// The WebSocket message of a packet, in the session's protocol.
fn frame(socket: &EngineSocket, packet: &Packet) -> WsMessage {
    to_ws(match socket.protocol() {
        ProtocolVersion::V4 => packet.encode_frame(),
        ProtocolVersion::V3 => packet.encode_frame_v3(socket.b64()),
    })
}

fn to_ws(frame: Frame) -> WsMessage {
    match frame {
        // The very buffer the message was encoded in, for every receiver of a broadcast.
        Frame::Text(text) => WsMessage::Text(text.into_ws()),
        Frame::Binary(data) => WsMessage::Binary(data),
    }
}

/// A connection that simply went away is a `transport close`, as the reference's `ws` reports a
/// bare TCP close; a broken frame or an oversized message is a `transport error`.
fn read_error_reason(error: tungstenite::Error) -> CloseReason {
    use tungstenite::error::{Error, ProtocolError};
    match error {
        Error::ConnectionClosed
        | Error::AlreadyClosed
        | Error::Protocol(ProtocolError::ResetWithoutClosingHandshake) => {
            CloseReason::TransportClose
        }
        Error::Io(ref e)
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
