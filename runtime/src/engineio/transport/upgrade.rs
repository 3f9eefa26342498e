//! The WebSocket handshake (HTTP/1.1 `Upgrade`, as the reference's `ws` serves it), handing
//! the connection to [`WsConn`]. Done here rather than through axum, whose socket reads and
//! frames every message itself.

use super::ws::conn::{WsConfig, WsConn};
use crate::engineio::ConnectionSlot;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Method, StatusCode, Version, header};
use hyper::upgrade::OnUpgrade;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use tungstenite::handshake::derive_accept_key;

/// What the task serving a connection runs once hyper has handed it over, in a request's
/// extensions: a WebSocket's start then runs on that task, which ends with the HTTP part of
/// the connection, rather than on a task of its own spawned in the middle of a burst of
/// handshakes. Without it (a connection served by `axum::serve`), the start is spawned.
#[derive(Clone, Default)]
pub(crate) struct Handoff(Arc<Mutex<Option<Upgraded>>>);

/// What runs on a connection once hyper has handed it over: the WebSocket's start.
pub(crate) type Upgraded = Pin<Box<dyn Future<Output = ()> + Send>>;

impl Handoff {
    /// The work left for the connection's task, if a request left any.
    pub(crate) fn take(&self) -> Option<Upgraded> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// A valid WebSocket handshake request, not answered yet.
pub(crate) struct WsUpgrade {
    key: HeaderValue,
    on_upgrade: OnUpgrade,
    /// The connection's place under `max_connections`, kept while the WebSocket lasts.
    slot: Option<ConnectionSlot>,
    handoff: Option<Handoff>,
}

fn header_is(headers: &HeaderMap, name: header::HeaderName, value: &str) -> bool {
    headers
        .get(&name)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(value.as_bytes()))
}

fn header_has(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers.get_all(&name).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    })
}

impl WsUpgrade {
    /// The handshake in this request, if it is a valid one.
    pub(crate) fn from_parts(parts: &mut Parts) -> Option<Self> {
        if parts.method != Method::GET
            || parts.version > Version::HTTP_11
            || !header_has(&parts.headers, header::CONNECTION, "upgrade")
            || !header_is(&parts.headers, header::UPGRADE, "websocket")
            || !header_is(&parts.headers, header::SEC_WEBSOCKET_VERSION, "13")
        {
            return None;
        }
        let key = parts.headers.get(header::SEC_WEBSOCKET_KEY)?.clone();
        let on_upgrade = parts.extensions.remove::<OnUpgrade>()?;
        let slot = parts.extensions.get::<ConnectionSlot>().cloned();
        let handoff = parts.extensions.remove::<Handoff>();
        Some(WsUpgrade {
            key,
            on_upgrade,
            slot,
            handoff,
        })
    }

    /// Answers `101 Switching Protocols` and runs `session` on the WebSocket once the
    /// connection is handed over.
    pub(crate) fn respond<F, Fut>(self, config: WsConfig, session: F) -> Response
    where
        F: FnOnce(WsConn) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let accept = derive_accept_key(self.key.as_bytes());
        let (on_upgrade, slot) = (self.on_upgrade, self.slot);
        let start = async move {
            match on_upgrade.await {
                Ok(upgraded) => {
                    session(WsConn::new(upgraded, config, slot)).await;
                }
                Err(e) => tracing::debug!(error = %e, "websocket upgrade failed"),
            }
        };
        match self.handoff {
            Some(handoff) => {
                *handoff.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(Box::pin(start));
            }
            None => {
                tokio::spawn(start);
            }
        }
        let mut res = StatusCode::SWITCHING_PROTOCOLS.into_response();
        let h = res.headers_mut();
        h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        if let Ok(v) = HeaderValue::from_str(&accept) {
            h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
        }
        res
    }
}
