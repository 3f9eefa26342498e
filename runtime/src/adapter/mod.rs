//! Adapters: where rooms live and how a packet reaches the sockets of a namespace.
//!
//! Each namespace has one [`Adapter`]. The default, [`MemoryAdapter`], keeps rooms in this
//! process. A cluster adapter (Redis, …) implements the same trait and forwards to the other
//! nodes what concerns them; its room bookkeeping stays local, as in the reference's adapters.
//!
//! The contract speaks plain data only, what another node can produce and consume: encoded
//! packets and [`Args`](crate::Args), [`BroadcastOptions`], [`SocketInfo`] (id, rooms,
//! handshake, serialized data), [`AckOutcome`] (clients reached, answers),
//! [`PersistedSession`] (data serialized as a [`Value`](crate::Value)). Its operations are
//! those of `ClusterAdapter` in the reference's `socket.io-adapter`: broadcast with and
//! without acknowledgements, sockets join/leave, disconnect and fetch, server-side emit with
//! and without acknowledgements, server count, persist and restore a session. This module
//! imports only the protocol below it, never the Socket.IO core above.
//!
//! The adapter reaches the sockets of its own node through [`LocalNamespace`], which the
//! namespace gives it when it is created: the adapter decides *who* receives a packet, the
//! namespace writes it.
//!
//! Connection state recovery also goes through the adapter: it keeps the sessions of sockets
//! whose connection dropped ([`Adapter::persist_session`]), the recoverable packets with their
//! offsets (in [`Adapter::broadcast`], for packets whose `recoverable` is set), gives a session
//! back ([`Adapter::restore_session`]) and replays what it missed ([`Adapter::join_restored`]).
//! The in-memory adapter does this with a [`SessionLog`]. A cluster adapter keeps the same
//! contract across nodes: a session persisted on one node can be restored on another, the
//! packets of every node count, and a broadcast racing with a restore reaches the client once.
//!
//! An adapter written outside this crate implements the same traits (the tests hold one).

pub mod cluster;
mod contract;
mod handshake;
mod local;
mod memory;
mod options;
mod recovery;
#[cfg(feature = "redis")]
pub mod redis;
mod rooms;
mod session;
mod session_log;
mod socket_info;

pub use contract::{Adapter, AdapterFactory};
pub use handshake::Handshake;
pub use local::{LocalNamespace, ServerSideReply};
pub use memory::MemoryAdapter;
pub use options::{
    AckFailure, AckOutcome, AckResponse, AdapterError, BoxFuture, BroadcastFlags, BroadcastOptions,
    Room,
};
pub use recovery::ConnectionStateRecovery;
pub use rooms::IntoRooms;
pub use session::{PersistedSession, RecoveryCounts, RestoredSession};
pub use session_log::{Missed, SessionLog};
pub use socket_info::{SessionData, SocketInfo};
