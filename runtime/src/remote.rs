//! [`RemoteSocket`]: a socket as `fetch_sockets` returns it, wherever it is connected.

use crate::adapter::{IntoRooms, Room};
use crate::broadcast::BroadcastOperator;
use crate::namespace::NamespaceInner;
use crate::socket::{EmitError, Handshake, Socket, SocketId};
use crate::typed::{Events, Extensions, Untyped};
use serde::Serialize;
use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// A socket found by `fetch_sockets`: what it is (id, handshake, rooms) and what can be done to
/// it from any server of the cluster (emit, join, leave, disconnect), routed through the
/// adapter like a broadcast to the room named by its id.
///
/// `S` is the server-to-client events it can be sent, `D` its data type, as on its
/// [`Socket`].
pub struct RemoteSocket<S: ?Sized = Untyped, D = Extensions> {
    /// The socket id.
    pub id: SocketId,
    /// Its handshake.
    pub handshake: Handshake,
    /// The rooms it was in when fetched.
    pub rooms: HashSet<Room>,
    ns: Arc<NamespaceInner>,
    /// The socket itself when it is connected to this node.
    local: Option<Socket>,
    _types: PhantomData<fn(&S) -> D>,
}

impl<S: ?Sized, D> Clone for RemoteSocket<S, D> {
    fn clone(&self) -> Self {
        RemoteSocket {
            id: self.id.clone(),
            handshake: self.handshake.clone(),
            rooms: self.rooms.clone(),
            ns: self.ns.clone(),
            local: self.local.clone(),
            _types: PhantomData,
        }
    }
}

impl<S: ?Sized, D> fmt::Debug for RemoteSocket<S, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteSocket")
            .field("id", &self.id)
            .field("nsp", &self.ns.name)
            .field("rooms", &self.rooms)
            .finish()
    }
}

impl RemoteSocket {
    pub(crate) fn new(socket: &Socket, ns: Arc<NamespaceInner>) -> Self {
        RemoteSocket {
            id: socket.id(),
            handshake: socket.handshake().clone(),
            rooms: socket.rooms(),
            ns,
            local: Some(socket.clone()),
            _types: PhantomData,
        }
    }
}

impl<S: ?Sized + 'static, D: 'static> RemoteSocket<S, D> {
    /// The same socket seen with other type parameters.
    pub(crate) fn cast<S2: ?Sized, D2>(self) -> RemoteSocket<S2, D2> {
        RemoteSocket {
            id: self.id,
            handshake: self.handshake,
            rooms: self.rooms,
            ns: self.ns,
            local: self.local,
            _types: PhantomData,
        }
    }

    /// The namespace it belongs to.
    pub fn ns(&self) -> &str {
        &self.ns.name
    }

    fn only(&self) -> BroadcastOperator<Untyped, S, D> {
        BroadcastOperator::new(self.ns.clone()).to(self.id.clone())
    }

    /// Its data, when it is connected to this node (a copy, taken now).
    pub fn data(&self) -> Option<D>
    where
        D: Clone,
    {
        let socket: Socket<Untyped, Untyped, D> = self.local.as_ref()?.cast();
        let data = socket.data().clone();
        Some(data)
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

impl<D: 'static> RemoteSocket<Untyped, D> {
    /// Emits to this socket.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, args: &T) -> Result<(), EmitError> {
        self.only().emit(event, args)
    }
}

impl<S: ?Sized + Events, D: 'static> RemoteSocket<S, D> {
    /// The events of `S`, one method each, emitted to this socket.
    pub fn emit(&self) -> S::Emitter<BroadcastOperator<Untyped, S, D>> {
        S::emitter(self.only())
    }
}
