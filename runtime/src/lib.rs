//! # socketry
//!
//! A Socket.IO server for Rust, on tokio and axum, that the official clients (browser, Node,
//! mobile) connect to unchanged.
//!
//! ```no_run
//! use socketry::{Server, ServerConfig, Socket};
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let io = Server::new(ServerConfig::default());
//!     io.of("/").on_connection(|socket: Socket| async move {
//!         socket.join("lobby");
//!         socket.on("chat", |socket, args, ack| async move {
//!             let text: String = args.get(0).unwrap_or_default();
//!             let _ = socket.to("lobby").emit("chat", &text);
//!             if let Some(ack) = ack {
//!                 let _ = ack.send(&"delivered");
//!             }
//!         });
//!     });
//!     io.serve("127.0.0.1:3000").await
//! }
//! ```
//!
//! The [`guide`] walks through it all, typed API first.
//!
//! That is the untyped API. Its typed counterpart checks event names, arguments and
//! acknowledgements at compile time: declare the events as traits under [`events`], then use
//! `Server<dyn ClientEvents, dyn ServerEvents, dyn InterServerEvents, Data>` (see [`Server`] and
//! the [`typed`] module). Both run the same code.
//!
//! Layers, each using only those before it: [`protocol`] (the codecs), [`engineio`]
//! (transports and sessions), the [`adapter`] contract, then the Socket.IO core (namespaces,
//! sockets, acknowledgements, broadcasts, the [`Server`]) and the [`typed`] layer
//! (`runtime/docs/architecture.md` in the repository walks through them).

pub mod engineio;
pub mod protocol;

pub mod adapter;

mod ack;
mod broadcast;
mod client;
mod handler;
pub mod metrics;
mod namespace;
mod remote;
mod server;
mod server_side_emit;
mod socket;

// The crate's own tests use `#[events]`, whose expansion names `::socketry`.
#[cfg(test)]
extern crate self as socketry;
#[cfg(test)]
mod cluster_tests;
#[cfg(test)]
mod harness;

pub mod guide;
pub mod typed;
#[cfg(feature = "typescript")]
pub mod typescript;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

#[doc(hidden)]
#[path = "fuzz/mod.rs"]
pub mod __fuzz;

pub use ack::{AckError, AckFuture, AckSender, BroadcastAckFuture, BroadcastAcks};
pub use adapter::ConnectionStateRecovery;
pub use broadcast::BroadcastOperator;
pub use engineio::{App, HttpServerConfig, Listeners, serve, serve_with, shutdown_signal};
pub use namespace::{MiddlewareError, Namespace};
pub use protocol::socketio::{Args, Value};
pub use protocol::{Sid, Str};
pub use remote::RemoteSocket;
pub use server::{
    DynamicNamespace, Server, ServerConfig, ServerStats, SocketIoLayer, SocketIoService,
};
pub use server_side_emit::{ServerSideAck, ServerSideEmit};
pub use socket::{
    DataGuard, DisconnectReason, EmitError, EventError, Handshake, Socket, SocketId, SocketTimeout,
};
pub use typed::{Ack, Extensions, Untyped};

#[doc = include_str!("../docs/events.md")]
pub use socketry_macros::events;

/// CORS configuration, re-exported from `tower-http` for
/// [`EngineIoConfig::cors`](engineio::EngineIoConfig::cors).
pub mod cors {
    pub use tower_http::cors::*;
}

/// The README's Rust examples, compiled as doc tests so that they cannot drift.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
