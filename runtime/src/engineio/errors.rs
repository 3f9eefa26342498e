//! The errors the reference server answers a bad HTTP request with, and the reasons a session
//! closes.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

/// Why a request was refused, with the reference's numeric code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 0: the `transport` query parameter is missing, unknown or disabled.
    UnknownTransport = 0,
    /// 1: the `sid` names no open session.
    UnknownSid = 1,
    /// 2: a handshake that is not a `GET`.
    BadHandshakeMethod = 2,
    /// 3: anything else malformed (transport mismatch, WebSocket handshake without upgrade, …).
    BadRequest = 3,
    /// 4: refused by the `allow_request` hook.
    Forbidden = 4,
    /// 5: the `EIO` query parameter is missing or names a revision that is not enabled.
    UnsupportedProtocolVersion = 5,
}

impl ErrorCode {
    /// The reference's message for this code.
    pub fn message(self) -> &'static str {
        match self {
            ErrorCode::UnknownTransport => "Transport unknown",
            ErrorCode::UnknownSid => "Session ID unknown",
            ErrorCode::BadHandshakeMethod => "Bad handshake method",
            ErrorCode::BadRequest => "Bad request",
            ErrorCode::Forbidden => "Forbidden",
            ErrorCode::UnsupportedProtocolVersion => "Unsupported protocol version",
        }
    }
}

/// A refused request, answered as the reference does: HTTP 400 (403 for
/// [`ErrorCode::Forbidden`]) with a JSON body `{"code": …, "message": …}`; for a WebSocket
/// handshake, HTTP 400 with the message as text and the connection closed.
#[derive(Debug, Clone)]
pub(crate) struct RequestError {
    pub(crate) code: ErrorCode,
    /// Replaces the default message (the `allow_request` hook's reason).
    pub(crate) message: Option<String>,
    pub(crate) websocket: bool,
}

impl RequestError {
    pub(crate) fn new(code: ErrorCode) -> Self {
        RequestError {
            code,
            message: None,
            websocket: false,
        }
    }
}

impl IntoResponse for RequestError {
    fn into_response(self) -> Response {
        let message = self
            .message
            .unwrap_or_else(|| self.code.message().to_owned());
        if self.websocket {
            let mut res = (StatusCode::BAD_REQUEST, message).into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            h.insert(header::CONNECTION, HeaderValue::from_static("close"));
            return res;
        }
        let status = if self.code == ErrorCode::Forbidden {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::BAD_REQUEST
        };
        let body = serde_json::json!({ "code": self.code as u8, "message": message });
        let mut res = (status, body.to_string()).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        res
    }
}

/// Why a session closed, with the reference's wording ([`CloseReason::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CloseReason {
    /// The client closed the session (a `close` packet or a closed WebSocket).
    TransportClose,
    /// The transport failed: overlapping requests, an aborted request, an oversized payload, a
    /// heartbeat in the wrong direction, a write error.
    TransportError,
    /// No pong within `ping_timeout` of a ping (v4), or no ping in time (v3).
    PingTimeout,
    /// The client sent something that is not an Engine.IO packet.
    ParseError,
    /// The server closed the session ([`EngineSocket::close`](super::EngineSocket::close)).
    ForcedClose,
    /// The server is shutting down.
    ServerShuttingDown,
}

impl CloseReason {
    /// The reason as the reference names it (`"transport close"`, `"ping timeout"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::TransportClose => "transport close",
            CloseReason::TransportError => "transport error",
            CloseReason::PingTimeout => "ping timeout",
            CloseReason::ParseError => "parse error",
            CloseReason::ForcedClose => "forced close",
            CloseReason::ServerShuttingDown => "server shutting down",
        }
    }
}

impl std::fmt::Display for CloseReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why [`EngineSocket::send`](super::EngineSocket::send) refused a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The session is closed or closing.
    #[error("the session is closed")]
    Closed,
    /// The session's send queue is full: the client reads more slowly than the server writes.
    #[error("the session's send queue is full")]
    QueueFull,
}
