//! # socketry
//!
//! A Socket.IO server for Rust, on tokio and axum, that the official clients (browser, Node,
//! mobile) connect to unchanged.
//!
//! This release provides the Engine.IO layer ([`engineio`]): handshake, HTTP long-polling,
//! WebSocket, the upgrade between them, heartbeats, limits and the reference server's errors.
//! Socket.IO (namespaces, rooms, acknowledgements) and compile-time typed events build on it.
//!
//! ```no_run
//! use socketry::engineio::{CloseReason, EngineHandler, EngineIo, EngineIoConfig, EngineSocket, Message};
//! use std::sync::Arc;
//!
//! struct Echo;
//! impl EngineHandler for Echo {
//!     fn on_connect(&self, _: &Arc<EngineSocket>) {}
//!     fn on_message(&self, socket: &Arc<EngineSocket>, message: Message) {
//!         let _ = socket.send(message);
//!     }
//!     fn on_disconnect(&self, _: &Arc<EngineSocket>, _: CloseReason) {}
//! }
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     EngineIo::new(EngineIoConfig::default(), Echo).serve("127.0.0.1:3000").await
//! }
//! ```

pub mod engineio;
mod serve;
pub mod socketio;

/// CORS configuration, re-exported from `tower-http` for
/// [`EngineIoConfig::cors`](engineio::EngineIoConfig::cors).
pub mod cors {
    pub use tower_http::cors::*;
}
