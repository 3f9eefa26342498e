//! Engine.IO: the transport layer under Socket.IO (protocols v4 and v3).
//!
//! Over the wire format of [`protocol::engineio`](crate::protocol::engineio):
//! - `session/`: [`EngineSocket`], one session with its bounded send queue, its heartbeat and
//!   the state its handler keeps on it;
//! - `transport/`: long-polling, WebSocket (`ws/`: the connection, frame reader and writer,
//!   the upgraded stream) and the upgrade between them;
//! - [`EngineIo`] (the engine and its tower service), its config and request handling, and
//!   [`serve`], the HTTP/1 and HTTP/2 server loop.
//!
//! It knows nothing of Socket.IO: applications on top of it implement [`EngineHandler`].

mod bind;
mod config;
mod engine;
mod entry;
mod errors;
mod handler;
mod http_server;
mod request;
mod serve;
mod service;
mod session;
mod transport;

pub use crate::protocol::engineio::packet::ProtocolVersion;
pub use crate::protocol::{Framed, Sid, Str};
pub(crate) use bind::bind;
pub use config::{AllowRequest, AllowRequestFuture, CookieOptions, EngineIoConfig, TransportKind};
pub use engine::EngineIo;
pub(crate) use entry::EngineService;
pub use errors::{CloseReason, ErrorCode, SendError};
pub use handler::{EngineHandler, Message};
pub(crate) use http_server::ConnectionSlot;
pub use http_server::HttpServerConfig;
pub use request::RequestInfo;
pub use serve::{App, Listeners, serve, serve_with, shutdown_signal};
pub use session::EngineSocket;
/// For the fuzz targets' checks (`crate::__fuzz`).
pub(crate) use transport::ws::read::FrameParser;
