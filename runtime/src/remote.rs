//! [`RemoteSocket`]: a socket as `fetch_sockets` returns it, wherever it is connected.

use crate::adapter::{IntoRooms, Room};
use crate::broadcast::BroadcastOperator;
use crate::namespace::NamespaceInner;
use crate::socket::SocketId;
use crate::socket::{EmitError, Handshake};
use serde::Serialize;
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

/// A socket found by `fetch_sockets`: what it is (id, handshake, rooms) and what can be done to
/// it from any server of the cluster (emit, join, leave, disconnect), routed through the
/// adapter like a broadcast to the room named by its id.
#[derive(Clone)]
pub struct RemoteSocket {
    /// The socket id.
    pub id: SocketId,
    /// Its handshake.
    pub handshake: Handshake,
    /// The rooms it was in when fetched.
    pub rooms: HashSet<Room>,
    ns: Arc<NamespaceInner>,
}

impl fmt::Debug for RemoteSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteSocket")
            .field("id", &self.id)
            .field("nsp", &self.ns.name)
            .field("rooms", &self.rooms)
            .finish()
    }
}

impl RemoteSocket {
    pub(crate) fn new(
        id: SocketId,
        handshake: Handshake,
        rooms: HashSet<Room>,
        ns: Arc<NamespaceInner>,
    ) -> Self {
        RemoteSocket {
            id,
            handshake,
            rooms,
            ns,
        }
    }

    /// The namespace it belongs to.
    pub fn ns(&self) -> &str {
        &self.ns.name
    }

    fn only(&self) -> BroadcastOperator {
        BroadcastOperator::new(self.ns.clone()).to(self.id.clone())
    }

    /// Emits to this socket.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, args: &T) -> Result<(), EmitError> {
        self.only().emit(event, args)
    }

    /// Makes it join rooms.
    pub fn join(&self, rooms: impl IntoRooms) {
        self.only().sockets_join(rooms)
    }

    /// Makes it leave rooms.
    pub fn leave(&self, rooms: impl IntoRooms) {
        self.only().sockets_leave(rooms)
    }

    /// Disconnects it (with `close`, its whole connection).
    pub fn disconnect(&self, close: bool) {
        self.only().disconnect_sockets(close)
    }
}
