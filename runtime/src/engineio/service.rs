//! The HTTP entry point: checks a request as the reference's `verify` does, then hands it to
//! the handshake, the polling transport or the WebSocket transport.

use super::config::{EngineIoConfig, TransportKind};
use super::engine::{EngineIo, remote_addr};
use super::errors::{ErrorCode, RequestError};
use super::request::{EngineQuery, RequestInfo};
use super::transport::compression::Compression;
use super::transport::upgrade::WsUpgrade;
use super::transport::ws::conn::WsConfig;
use super::transport::{polling, ws as websocket};
use crate::protocol::Sid;
use crate::protocol::engineio::packet::{Packet, ProtocolVersion};
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, Method, StatusCode, header};
use std::sync::Arc;

pub(crate) async fn handle(engine: EngineIo, req: Request) -> Response {
    let shared = engine.shared;
    let config = &shared.config;
    let (mut parts, body) = req.into_parts();
    // A clone shares the request's bytes; the query borrows from it while `parts` is changed.
    let uri = parts.uri.clone();
    let query = EngineQuery::parse(uri.query());

    let upgrade = if config.transports.contains(&TransportKind::WebSocket)
        && parts.headers.contains_key(header::UPGRADE)
    {
        WsUpgrade::from_parts(&mut parts)
    } else {
        None
    };
    let is_upgrade = upgrade.is_some();
    let refuse = |code: ErrorCode, message: Option<String>| {
        tracing::debug!(code = code as u8, %uri, "request refused");
        RequestError {
            code,
            message,
            websocket: is_upgrade,
        }
        .into_response()
    };

    let Some(transport) = query
        .transport
        .as_deref()
        .and_then(TransportKind::from_query)
        .filter(|t| config.transports.contains(t))
    else {
        return refuse(ErrorCode::UnknownTransport, None);
    };

    if let Some(sid) = &query.sid {
        let socket = Sid::parse(sid).and_then(|sid| shared.get(sid));
        let Some(socket) = socket.filter(|s| !s.expire_if_overdue()) else {
            return refuse(ErrorCode::UnknownSid, None);
        };
        if let Some(upgrade) = upgrade {
            if transport != TransportKind::WebSocket || !config.allow_upgrades {
                return refuse(ErrorCode::BadRequest, None);
            }
            return upgrade.respond(ws_config(config), move |ws| {
                websocket::upgrade(shared, ws, socket)
            });
        }
        if socket.transport() != transport {
            // The reference's TRANSPORT_MISMATCH, e.g. a poll after the upgrade.
            return refuse(ErrorCode::BadRequest, None);
        }
        return match parts.method {
            Method::GET => {
                let compression = Compression::for_request(config.http_compression, &parts.headers);
                polling::poll(&socket, compression).await
            }
            Method::POST => polling::post(&socket, &parts.headers, body, config).await,
            // What the reference's polling transport answers to other methods.
            _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        };
    }

    // A handshake.
    if parts.method != Method::GET {
        return refuse(ErrorCode::BadHandshakeMethod, None);
    }
    if (transport == TransportKind::WebSocket) != is_upgrade {
        return refuse(ErrorCode::BadRequest, None);
    }
    let request = Arc::new(RequestInfo::copied_from(
        &parts,
        remote_addr(&parts.extensions),
    ));
    if let Some(allow) = &config.allow_request
        && let Err(message) = allow(request.clone()).await
    {
        return refuse(ErrorCode::Forbidden, Some(message));
    }
    // A missing or unknown `EIO` is refused, where the reference takes it for v3.
    let protocol = match query.eio.as_deref().and_then(ProtocolVersion::from_query) {
        Some(ProtocolVersion::V4) => ProtocolVersion::V4,
        Some(ProtocolVersion::V3) if config.allow_eio3 => ProtocolVersion::V3,
        _ => return refuse(ErrorCode::UnsupportedProtocolVersion, None),
    };
    let b64 = protocol == ProtocolVersion::V3 && query.b64;
    if shared.is_shutting_down() {
        return refuse(ErrorCode::BadRequest, None);
    }

    let sid = Sid::random();
    let cookie = config
        .cookie
        .as_ref()
        .and_then(|c| HeaderValue::from_str(&c.header_value(sid.as_str())).ok());
    let mut res = match upgrade {
        Some(upgrade) => upgrade.respond(ws_config(config), move |ws| {
            websocket::handshake(shared, ws, sid, protocol, b64, request)
        }),
        None => {
            let (socket, open) =
                shared.open_session(sid, protocol, b64, TransportKind::Polling, request);
            let res = polling::payload_response(&socket, &[Packet::Open(open)]);
            shared.handler.on_connect(&socket);
            res
        }
    };
    if let Some(cookie) = cookie {
        res.headers_mut().append(header::SET_COOKIE, cookie);
    }
    res
}

/// The WebSocket limits and buffers of the configuration.
fn ws_config(config: &EngineIoConfig) -> WsConfig {
    WsConfig {
        max_message: config.max_http_buffer_size,
        read_size: config.websocket_read_buffer,
        write_buffer: config.websocket_write_buffer,
    }
}
