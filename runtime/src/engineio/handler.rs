//! The seam between Engine.IO and what runs on top of it (Socket.IO, or a raw Engine.IO app).

use super::errors::CloseReason;
use super::session::EngineSocket;
use crate::protocol::Str;
use bytes::Bytes;
use std::sync::Arc;

/// A message received from, or sent to, a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message.
    Text(Str),
    /// A binary message.
    Binary(Bytes),
}

/// Receives the events of every Engine.IO session.
///
/// The calls for one session come in order, from the task that reads that session's transport:
/// a slow handler delays that session's next message (and nobody else's), so hand long work to a
/// task of its own.
///
/// ```
/// use socketry::engineio::{CloseReason, EngineHandler, EngineSocket, Message};
/// use std::sync::Arc;
///
/// /// Sends every message back to its sender.
/// struct Echo;
///
/// impl EngineHandler for Echo {
///     fn on_message(&self, socket: &Arc<EngineSocket>, message: Message) {
///         let _ = socket.send(message);
///     }
/// }
///
/// /// Counts the sessions open.
/// #[derive(Default)]
/// struct Count(std::sync::atomic::AtomicUsize);
///
/// impl EngineHandler for Count {
///     fn on_connect(&self, _socket: &Arc<EngineSocket>) {
///         self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
///     }
///     fn on_message(&self, _socket: &Arc<EngineSocket>, _message: Message) {}
///     fn on_disconnect(&self, _socket: &Arc<EngineSocket>, _reason: CloseReason) {
///         self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
///     }
/// }
/// ```
pub trait EngineHandler: Send + Sync + 'static {
    /// A session opened; its handshake is on its way to the client. Does nothing by default.
    fn on_connect(&self, _socket: &Arc<EngineSocket>) {}
    /// A message arrived.
    fn on_message(&self, socket: &Arc<EngineSocket>, message: Message);
    /// The session closed; it is called once per session, after which the session takes no
    /// more messages. Does nothing by default.
    fn on_disconnect(&self, _socket: &Arc<EngineSocket>, _reason: CloseReason) {}
}
