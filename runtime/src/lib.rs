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
//! Layers, each using only those before it: [`engineio`] (transport, sessions), [`socketio`]
//! (the packet codec), then namespaces, sockets, acknowledgements and broadcasts, the
//! [`adapter`] and the [`Server`].

pub mod engineio;
pub mod socketio;

mod ack;
pub mod adapter;
mod broadcast;
mod client;
mod handler;
mod namespace;
mod remote;
mod serve;
mod server;
mod socket;

pub use ack::{AckError, AckFuture, AckSender};
pub use broadcast::{BroadcastAcks, BroadcastOperator};
pub use engineio::{Sid, Str};
pub use namespace::{MiddlewareError, Namespace};
pub use remote::RemoteSocket;
pub use server::{DynamicNamespace, Server, ServerConfig};
pub use socket::{DisconnectReason, EmitError, Handshake, Socket, SocketId, SocketTimeout};
pub use socketio::Args;

/// CORS configuration, re-exported from `tower-http` for
/// [`EngineIoConfig::cors`](engineio::EngineIoConfig::cors).
pub mod cors {
    pub use tower_http::cors::*;
}
