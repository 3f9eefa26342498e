//! The errors the reference server answers a bad HTTP request with, and the reasons a session
//! closes.

use axum::body::Body;
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

    /// `{"code":…,"message":…}` with the reference's message, as the reference's `JSON.stringify`
    /// writes it.
    fn json_body(self) -> &'static str {
        match self {
            ErrorCode::UnknownTransport => r#"{"code":0,"message":"Transport unknown"}"#,
            ErrorCode::UnknownSid => r#"{"code":1,"message":"Session ID unknown"}"#,
            ErrorCode::BadHandshakeMethod => r#"{"code":2,"message":"Bad handshake method"}"#,
            ErrorCode::BadRequest => r#"{"code":3,"message":"Bad request"}"#,
            ErrorCode::Forbidden => r#"{"code":4,"message":"Forbidden"}"#,
            ErrorCode::UnsupportedProtocolVersion => {
                r#"{"code":5,"message":"Unsupported protocol version"}"#
            }
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
        // Built by hand: refusals are what a flood of forged session ids costs, so the usual
        // answers are static bytes, with no JSON encoder and no header map rewritten.
        let (status, content_type, body) = if self.websocket {
            let body = match self.message {
                Some(message) => Body::from(message),
                None => Body::from(self.code.message()),
            };
            (StatusCode::BAD_REQUEST, "text/html", body)
        } else {
            let status = if self.code == ErrorCode::Forbidden {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::BAD_REQUEST
            };
            let body = match self.message {
                Some(message) => Body::from(
                    serde_json::json!({ "code": self.code as u8, "message": message }).to_string(),
                ),
                None => Body::from(self.code.json_body()),
            };
            (status, "application/json", body)
        };
        let mut res = Response::new(body);
        *res.status_mut() = status;
        let h = res.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if self.websocket {
            h.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [ErrorCode; 6] = [
        ErrorCode::UnknownTransport,
        ErrorCode::UnknownSid,
        ErrorCode::BadHandshakeMethod,
        ErrorCode::BadRequest,
        ErrorCode::Forbidden,
        ErrorCode::UnsupportedProtocolVersion,
    ];

    #[test]
    fn static_bodies_are_the_json_of_code_and_message() {
        for code in ALL {
            let json = serde_json::json!({ "code": code as u8, "message": code.message() });
            assert_eq!(code.json_body(), json.to_string(), "{code:?}");
        }
    }

    #[tokio::test]
    async fn refusals_answer_as_the_reference() {
        let body = |res: Response| async move {
            let (parts, body) = res.into_parts();
            let bytes = axum::body::to_bytes(body, 1024).await.unwrap();
            (parts, String::from_utf8(bytes.to_vec()).unwrap())
        };
        let (parts, text) = body(RequestError::new(ErrorCode::UnknownSid).into_response()).await;
        assert_eq!(parts.status, StatusCode::BAD_REQUEST);
        assert_eq!(parts.headers[header::CONTENT_TYPE], "application/json");
        assert_eq!(text, r#"{"code":1,"message":"Session ID unknown"}"#);

        let forbidden = RequestError {
            code: ErrorCode::Forbidden,
            message: Some("no \"token\"".into()),
            websocket: false,
        };
        let (parts, text) = body(forbidden.into_response()).await;
        assert_eq!(parts.status, StatusCode::FORBIDDEN);
        assert_eq!(text, r#"{"code":4,"message":"no \"token\""}"#);

        let ws = RequestError {
            code: ErrorCode::BadRequest,
            message: None,
            websocket: true,
        };
        let (parts, text) = body(ws.into_response()).await;
        assert_eq!(parts.status, StatusCode::BAD_REQUEST);
        assert_eq!(parts.headers[header::CONTENT_TYPE], "text/html");
        assert_eq!(parts.headers[header::CONNECTION], "close");
        assert_eq!(text, "Bad request");
    }
}
