//! HTTP long-polling: a pending `GET` carries the server's packets, `POST`s carry the client's.

use crate::engineio::config::EngineIoConfig;
use crate::engineio::errors::{CloseReason, ErrorCode, RequestError};
use crate::engineio::session::{AbortGuard, EngineSocket, Upgrade};
use crate::engineio::transport::compression::Compression;
use crate::protocol::engineio::packet::{Packet, ProtocolVersion};
use crate::protocol::engineio::payload;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// A `200` with a payload, as the reference writes it: its content type, and no caching.
fn body_response(body: Bytes, content_type: &'static str) -> Response {
    let mut res = Response::new(Body::from(body));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

const TEXT: &str = "text/plain; charset=UTF-8";
const BINARY: &str = "application/octet-stream";

/// A payload in the session's protocol, with its content type: v4 text; v3 text, or binary when
/// it carries binary packets and the client takes binary.
fn encode_payload(socket: &EngineSocket, packets: &[Packet]) -> (Bytes, &'static str) {
    let (body, content_type) = if socket.protocol() == ProtocolVersion::V4 {
        (payload::encode_v4(packets).into_bytes(), TEXT)
    } else if socket.b64() || !payload::v3::has_binary(packets) {
        (payload::v3::encode_text(packets).into_bytes(), TEXT)
    } else {
        (payload::v3::encode_binary(packets), BINARY)
    };
    let n = packets.len() as u64;
    crate::metrics::packets(
        crate::metrics::Direction::Out,
        "polling",
        n,
        body.len() as u64,
    );
    (body, content_type)
}

/// A payload answered at once, uncompressed (the handshake's `open`, far below any threshold).
pub(crate) fn payload_response(socket: &EngineSocket, packets: &[Packet]) -> Response {
    let (body, content_type) = encode_payload(socket, packets);
    body_response(body, content_type)
}

/// A `GET`: waits for packets and answers with all that are queued.
pub(crate) async fn poll(socket: &Arc<EngineSocket>, compression: Option<Compression>) -> Response {
    let Ok(consumer) = socket.consumer.try_lock() else {
        if socket.upgrade_state() >= Upgrade::Probed {
            // The WebSocket is taking the queue over: this poll is simply late.
            return RequestError::new(ErrorCode::BadRequest).into_response();
        }
        tracing::debug!(sid = %socket.id(), "overlapping polls");
        socket.terminate(CloseReason::TransportError);
        return StatusCode::BAD_REQUEST.into_response();
    };
    let guard = AbortGuard::new(socket);
    let probed = socket.probed.notified();
    tokio::pin!(probed);
    probed.as_mut().enable();

    let mut packets = Vec::new();
    if socket.close_pending.swap(false, Ordering::AcqRel) {
        packets.push(Packet::Close);
    } else if socket.upgrade_state() >= Upgrade::Probed && socket.queue.is_empty() {
        packets.push(Packet::Noop);
    } else {
        tokio::select! {
            biased;
            // What was queued before a close still goes out.
            () = socket.queue.take_all(&mut packets) => {
                // Nothing is queued after the server's close. As in the reference, it goes in
                // a poll of its own: clients handle the packets of a payload after its
                // `close`, and would lose a DISCONNECT before it.
                if packets.len() > 1 && packets.last() == Some(&Packet::Close) {
                    packets.pop();
                    socket.close_pending.store(true, Ordering::Release);
                }
            }
            _ = socket.closed() => packets.push(closing_packet(socket)),
            _ = &mut probed => packets.push(Packet::Noop),
        }
    }
    drop(consumer);
    guard.disarm();
    // The queue ended with the server's close: the client has it now.
    if packets.last() == Some(&Packet::Close) {
        socket.terminate(socket.closing_reason());
    }
    let (body, content_type) = encode_payload(socket, &packets);
    let (body, encoding) = Compression::apply(compression, body).await;
    let mut res = body_response(body, content_type);
    if let Some(encoding) = encoding {
        res.headers_mut().insert(header::CONTENT_ENCODING, encoding);
    }
    res
}

/// What a pending poll answers when the session closes under it: `noop` when the client closed
/// it (its own `close` is on its way), `close` otherwise.
fn closing_packet(socket: &EngineSocket) -> Packet {
    match socket.close_reason() {
        Some(CloseReason::TransportClose) => Packet::Noop,
        _ => Packet::Close,
    }
}

/// A `POST`: reads a payload (at most `max_http_buffer_size` bytes) and handles its packets.
pub(crate) async fn post(
    socket: &Arc<EngineSocket>,
    headers: &HeaderMap,
    body: Body,
    config: &EngineIoConfig,
) -> Response {
    if socket.posting.swap(true, Ordering::AcqRel) {
        tracing::debug!(sid = %socket.id(), "overlapping data requests");
        socket.terminate(CloseReason::TransportError);
        return StatusCode::BAD_REQUEST.into_response();
    }
    let res = read_and_handle(socket, headers, body, config).await;
    socket.posting.store(false, Ordering::Release);
    res
}

async fn read_and_handle(
    socket: &Arc<EngineSocket>,
    headers: &HeaderMap,
    body: Body,
    config: &EngineIoConfig,
) -> Response {
    let binary = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == b"application/octet-stream");
    if binary && socket.protocol() == ProtocolVersion::V4 {
        // v4 payloads are text only.
        tracing::debug!(sid = %socket.id(), "binary payload refused");
        socket.terminate(CloseReason::TransportError);
        return StatusCode::BAD_REQUEST.into_response();
    }
    let max = config.max_http_buffer_size;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > max as u64) {
        return too_large(socket);
    }
    let guard = AbortGuard::new(socket);
    let bytes = match Limited::new(body, max).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            guard.disarm();
            return too_large(socket);
        }
        Err(e) => {
            guard.disarm();
            tracing::debug!(sid = %socket.id(), error = %e, "payload read failed");
            socket.terminate(CloseReason::TransportError);
            return StatusCode::BAD_REQUEST.into_response();
        }
    };
    guard.disarm();
    let len = bytes.len() as u64;
    let packets: Box<dyn Iterator<Item = _>> = match (socket.protocol(), binary) {
        (ProtocolVersion::V4, _) => Box::new(payload::decode_v4(bytes)),
        (ProtocolVersion::V3, false) => Box::new(payload::v3::decode_text(bytes).into_iter()),
        (ProtocolVersion::V3, true) => Box::new(payload::v3::decode_binary(bytes).into_iter()),
    };
    let mut received = 0;
    for packet in packets {
        match packet {
            Ok(packet) => {
                received += 1;
                socket.on_packet(packet);
            }
            Err(e) => {
                tracing::debug!(sid = %socket.id(), error = %e, "parse error");
                socket.terminate(CloseReason::ParseError);
                return RequestError::new(ErrorCode::BadRequest).into_response();
            }
        }
    }
    crate::metrics::packets(crate::metrics::Direction::In, "polling", received, len);
    let mut res = "ok".into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// A payload over `max_http_buffer_size`: HTTP 413, as the reference answers, and the session is
/// closed (the reference leaves that to the client, which closes on the error anyway).
fn too_large(socket: &Arc<EngineSocket>) -> Response {
    tracing::debug!(sid = %socket.id(), "payload too large");
    socket.terminate(CloseReason::TransportError);
    StatusCode::PAYLOAD_TOO_LARGE.into_response()
}
