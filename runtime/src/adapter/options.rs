//! What a broadcast selects, how it is delivered, and what its acknowledgements came to.

use crate::protocol::socketio::Args;
use crate::protocol::{SocketId, Str};
use std::future::Future;
use std::pin::Pin;

/// The futures adapters return for what may cross the network.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A room name.
pub type Room = Str;

/// The sockets a broadcast reaches, and how (`BroadcastOptions` in the reference).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BroadcastOptions {
    /// The union of these rooms; every socket of the namespace when empty.
    pub rooms: Vec<Room>,
    /// Minus the sockets in any of these rooms (a socket's id is a room too).
    pub except: Vec<Room>,
    /// Delivery flags.
    pub flags: BroadcastFlags,
}

/// How a broadcast is delivered. Adapters pass on flags they do not know.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BroadcastFlags {
    /// Dropped for sockets that are not ready to take it now.
    pub volatile: bool,
    /// Only to this node's sockets (cluster adapters skip the other nodes).
    pub local: bool,
    /// Whether the transport may compress it (kept for compatibility; WebSocket compression is
    /// not negotiated by this server).
    pub compress: bool,
}

/// Why an adapter could not do something.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdapterError {
    /// This adapter has no other servers to talk to (the in-memory adapter).
    #[error("this adapter does not support the {0} functionality")]
    Unsupported(&'static str),
    /// The other servers did not all answer in time.
    #[error("operation has timed out")]
    Timeout,
    /// The value could not be encoded for the other servers.
    #[error("the value does not serialize: {0}")]
    Encode(String),
}

/// Why a socket's acknowledgement did not come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AckFailure {
    /// It did not answer in time.
    #[error("operation has timed out")]
    Timeout,
    /// It disconnected before answering.
    #[error("the socket disconnected before answering")]
    Disconnected,
    /// The packet could not be queued: the connection's send queue is full.
    #[error("the session's send queue is full")]
    QueueFull,
    /// The packet could not be queued: the connection is closed.
    #[error("the session is closed")]
    Closed,
}

/// One answer to a broadcast with acknowledgements.
#[derive(Debug)]
pub struct AckResponse {
    /// The socket that answered, when the node that reached it says (this node's do; the
    /// reference's cluster messages carry no socket ids).
    pub socket: Option<SocketId>,
    /// Its answer, or why none came.
    pub answer: Result<Args, AckFailure>,
}

/// What a broadcast with acknowledgements came to, once every client reached has answered or
/// the time is up: how many clients it reached (`clientCountCallback` in the reference, summed
/// over the nodes) and their answers. Fewer answers than clients means some did not answer
/// in time.
#[derive(Debug, Default)]
pub struct AckOutcome {
    /// The number of clients the packet reached.
    pub clients: usize,
    /// The answers, in the order they came.
    pub responses: Vec<AckResponse>,
}
