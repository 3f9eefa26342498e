//! Engine.IO: the transport layer under Socket.IO (protocol v4).
//!
//! Layers, each using only those above it:
//! - [`packet`], [`payload`]: the wire format, pure functions over bytes;
//! - [`EngineSocket`] (one session: queue, heartbeat, close) and the transports (long-polling,
//!   WebSocket, the upgrade between them);
//! - [`EngineIo`]: the server, an axum router that dispatches requests to sessions.
//!
//! Applications on top of Engine.IO implement [`EngineHandler`].

mod config;
mod engine;
mod errors;
mod framed;
mod handler;
pub mod packet;
pub mod payload;
mod queue;
mod request;
mod service;
mod sid;
mod socket;
mod str;
mod transport;

pub use config::{AllowRequest, AllowRequestFuture, CookieOptions, EngineIoConfig, TransportKind};
pub use engine::EngineIo;
pub use errors::{CloseReason, ErrorCode, SendError};
pub use framed::Framed;
pub use handler::{EngineHandler, Message};
pub use packet::ProtocolVersion;
pub use request::RequestInfo;
pub use sid::Sid;
pub use socket::EngineSocket;
pub use str::Str;
