//! The pure codecs: what travels on the wire, as functions over bytes.
//!
//! - [`engineio`]: Engine.IO packets and payloads (protocol v4 and v3);
//! - [`msgpack`]: MessagePack for [`Value`](socketio::Value), what cluster nodes exchange;
//! - [`socketio`]: the Socket.IO packet codec (v5 and v4), binary attachments, [`Args`](socketio::Args)
//!   and [`Value`](socketio::Value);
//! - the types every layer shares: [`Str`] (a cheaply cloneable string), [`Framed`] (one
//!   encoded message for many receivers), [`Sid`] and [`SocketId`] (ids, and the hashing of
//!   tables keyed by them), [`RequestInfo`] (the request that opened a session, as plain
//!   data), and [`RESERVED_EVENTS`].
//!
//! Nothing here does I/O or knows an async runtime, an HTTP server or a WebSocket library:
//! every byte a client sends reaches these functions first, so they can be tested and fuzzed
//! on their own.

pub mod engineio;
mod framed;
mod id_hash;
pub mod msgpack;
mod request;
mod reserved;
mod sid;
pub mod socketio;
mod sparse;
mod str;

pub use framed::Framed;
pub(crate) use id_hash::{HandlerMap, IdMap, IdSet, OrderedIdMap};
pub use request::RequestInfo;
pub use reserved::{MAX_EVENT_ARGS, RESERVED_EVENTS};
pub use sid::{Sid, SocketId};
pub(crate) use sparse::ShrinkWhenSparse;
pub use str::Str;
