//! The Engine.IO server: the table of open sessions, and its handle [`EngineIo`] that mounts in
//! an axum router.

use super::config::{EngineIoConfig, TransportKind};
use super::entry::{EngineService, Handle};
use super::errors::CloseReason;
use super::handler::EngineHandler;
use super::request::RequestInfo;
use super::session::{EngineSocket, Heartbeats};
use crate::protocol::Sid;
use crate::protocol::Str;
use crate::protocol::engineio::packet::ProtocolVersion;
use axum::Router;
use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

pub(crate) struct EngineShared {
    pub(crate) config: EngineIoConfig,
    pub(crate) handler: Arc<dyn EngineHandler>,
    sessions: RwLock<HashMap<Sid, Arc<EngineSocket>>>,
    pub(crate) heartbeats: Arc<Heartbeats>,
    shutting_down: AtomicBool,
}

impl EngineShared {
    pub(crate) fn get(&self, sid: Sid) -> Option<Arc<EngineSocket>> {
        self.sessions
            .read()
            .expect("sessions lock")
            .get(&sid)
            .cloned()
    }

    pub(crate) fn remove(&self, sid: Sid) {
        use crate::protocol::ShrinkWhenSparse;
        let mut sessions = self.sessions.write().expect("sessions lock");
        sessions.remove(&sid);
        sessions.shrink_when_sparse();
    }

    /// Opens a session and starts its heartbeat; returns it with its `open` packet body.
    pub(crate) fn open_session(
        self: &Arc<Self>,
        sid: Sid,
        protocol: ProtocolVersion,
        b64: bool,
        transport: TransportKind,
        request: Arc<RequestInfo>,
    ) -> (Arc<EngineSocket>, Str) {
        let socket = EngineSocket::new(
            sid,
            protocol,
            b64,
            transport,
            request,
            (
                self.config.max_buffered_packets,
                self.config.max_buffered_bytes,
            ),
            Arc::downgrade(self),
        );
        self.sessions
            .write()
            .expect("sessions lock")
            .insert(sid, socket.clone());
        crate::metrics::session_opened();
        tracing::debug!(
            %sid,
            transport = transport.as_str(),
            ?protocol,
            remote = ?socket.request().remote_addr,
            "session opened"
        );
        let c = &self.config;
        let open = serde_json::json!({
            "sid": sid,
            "upgrades": c.upgrades_for(transport),
            "pingInterval": c.ping_interval.as_millis() as u64,
            "pingTimeout": c.ping_timeout.as_millis() as u64,
            "maxPayload": c.max_http_buffer_size,
        });
        socket.start_heartbeat(self);
        tracing::debug!(%sid, transport = transport.as_str(), "session opened");
        (socket, Str::from(open.to_string()))
    }

    pub(crate) fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
    }
}

/// An Engine.IO server. Cheap to clone; every clone is the same server.
///
/// Mount it in an axum app with [`router`](Self::router), or run it alone with
/// [`serve`](Self::serve).
///
/// ```no_run
/// use socketry::engineio::{CloseReason, EngineHandler, EngineIo, EngineIoConfig, EngineSocket, Message};
/// use std::sync::Arc;
///
/// struct Echo;
/// impl EngineHandler for Echo {
///     fn on_message(&self, socket: &Arc<EngineSocket>, message: Message) {
///         let _ = socket.send(message);
///     }
/// }
///
/// # async fn run() -> std::io::Result<()> {
/// let engine = EngineIo::new(EngineIoConfig::default(), Echo);
/// let app = axum::Router::new().merge(engine.router());
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await
/// # }
/// ```
#[derive(Clone)]
pub struct EngineIo {
    pub(crate) shared: Arc<EngineShared>,
}

impl fmt::Debug for EngineIo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineIo")
            .field("config", &self.shared.config)
            .field("sessions", &self.session_count())
            .finish()
    }
}

impl EngineIo {
    /// A server with these options, reporting to `handler`.
    pub fn new(config: EngineIoConfig, handler: impl EngineHandler) -> Self {
        Self::with_handler(config, Arc::new(handler))
    }

    /// Like [`new`](Self::new), with a shared handler.
    pub fn with_handler(config: EngineIoConfig, handler: Arc<dyn EngineHandler>) -> Self {
        EngineIo {
            shared: Arc::new(EngineShared {
                config,
                handler,
                sessions: RwLock::new(HashMap::new()),
                heartbeats: Arc::default(),
                shutting_down: AtomicBool::new(false),
            }),
        }
    }

    /// The options in force.
    pub fn config(&self) -> &EngineIoConfig {
        &self.shared.config
    }

    /// How many sessions are open.
    pub fn session_count(&self) -> usize {
        self.shared.sessions.read().expect("sessions lock").len()
    }

    /// The open session with this id.
    pub fn session(&self, sid: Sid) -> Option<Arc<EngineSocket>> {
        self.shared.get(sid)
    }

    /// An axum router that serves Engine.IO under the configured path (`{path}/…`), with the
    /// CORS layer when one is configured. Merge it into your app's router.
    pub fn router(&self) -> Router {
        let path = &self.shared.config.path;
        let handle = Handle(self.clone());
        let mut router = Router::new()
            .route_service(&format!("{path}/"), handle.clone())
            .route_service(&format!("{path}/{{*rest}}"), handle);
        if let Some(cors) = &self.shared.config.cors {
            router = router.layer(cors.clone());
        }
        router
    }

    /// Refuses new handshakes and closes every session with reason `server shutting down`,
    /// in order: what is queued for a client goes out first, then its close (a `close` packet
    /// to a long-polling client, in the answer to its next poll; a close frame on a WebSocket).
    /// [`shutdown_within`](Self::shutdown_within) also waits for the clients to have it.
    pub fn shutdown(&self) {
        self.shared.shutting_down.store(true, Ordering::Release);
        for socket in self.sessions() {
            socket.close_as(CloseReason::ServerShuttingDown);
        }
    }

    /// [`shutdown`](Self::shutdown), then waits until every session has ended, at most
    /// `deadline`; the sessions still open then (a polling client that did not come back for
    /// its close) end at once.
    pub async fn shutdown_within(&self, deadline: Duration) {
        self.shutdown();
        let give_up = tokio::time::Instant::now() + deadline;
        while self.session_count() > 0 && tokio::time::Instant::now() < give_up {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        for socket in self.sessions() {
            socket.terminate(CloseReason::ServerShuttingDown);
        }
    }

    fn sessions(&self) -> Vec<Arc<EngineSocket>> {
        self.shared
            .sessions
            .read()
            .expect("sessions lock")
            .values()
            .cloned()
            .collect()
    }

    /// Serves this server alone on `addr` until Ctrl-C, then shuts down gracefully.
    ///
    /// It listens with room for 1,024 connections waiting to be accepted, where tokio's
    /// `TcpListener::bind` leaves 128: when many clients reconnect at once, those past the
    /// queue would wait a second or more for their connection to be tried again. A listener
    /// of your own keeps its own queue.
    pub async fn serve(self, addr: impl tokio::net::ToSocketAddrs) -> std::io::Result<()> {
        let listener = super::bind(addr).await?;
        let deadline = super::HttpServerConfig::default().shutdown_timeout;
        let app = EngineService::new(&self, Router::new(), Vec::new());
        super::serve::serve(listener, app, async move {
            super::serve::shutdown_signal().await;
            self.shutdown_within(deadline).await;
        })
        .await
    }
}

/// The peer address recorded by `into_make_service_with_connect_info::<SocketAddr>()`.
pub(crate) fn remote_addr(extensions: &http::Extensions) -> Option<SocketAddr> {
    extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
}
