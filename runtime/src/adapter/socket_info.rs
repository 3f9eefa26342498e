//! What one node tells another of a socket: [`SocketInfo`], and a socket's data in the form
//! that crosses nodes ([`SessionData`]).

use super::{Handshake, Room};
use crate::protocol::SocketId;
use crate::protocol::socketio::Value;
use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// A socket as `fetch_sockets` finds it, on this node or another: its id, rooms, handshake and
/// data, all plain data (the reference's `FETCH_SOCKETS_RESPONSE` entries).
#[derive(Debug, Clone)]
pub struct SocketInfo {
    /// The socket id.
    pub id: SocketId,
    /// The rooms it is in (its own id among them).
    pub rooms: Vec<Room>,
    /// Its handshake.
    pub handshake: Handshake,
    /// Its data, serialized ([`Value::from_serialize`]).
    pub data: Value,
}

/// A socket's data as a session keeps it for connection state recovery: serialized, for a node
/// that restores it elsewhere, and, on the node it was persisted by, the value itself, so that
/// a session restored there gets back the very value (untyped data included, whose entries
/// need not serialize).
#[derive(Clone)]
pub struct SessionData {
    value: Value,
    local: Option<Arc<dyn Any + Send + Sync>>,
}

impl SessionData {
    /// Data known only in its serialized form (read from another node).
    pub fn new(value: Value) -> Self {
        SessionData { value, local: None }
    }

    /// Data with its serialized form and the value itself.
    pub(crate) fn with_local(value: Value, local: Arc<dyn Any + Send + Sync>) -> Self {
        SessionData {
            value,
            local: Some(local),
        }
    }

    /// The serialized form: what a cluster adapter stores or sends.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The value itself, when this node persisted it.
    pub(crate) fn local(&self) -> Option<&Arc<dyn Any + Send + Sync>> {
        self.local.as_ref()
    }
}

impl fmt::Debug for SessionData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionData")
            .field("value", &self.value)
            .field("local", &self.local.is_some())
            .finish()
    }
}
