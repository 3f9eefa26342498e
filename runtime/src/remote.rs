//! [`RemoteSocket`]: a socket as `fetch_sockets` returns it, wherever it is connected.

use crate::adapter::{Handshake, IntoRooms, Room, SocketInfo};
use crate::broadcast::BroadcastOperator;
use crate::namespace::NamespaceInner;
use crate::protocol::socketio::Value;
use crate::socket::{EmitError, Socket, SocketId};
use crate::typed::{Extensions, Untyped};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// A socket found by `fetch_sockets`: what it is (id, handshake, rooms, data) and what can be
/// done to it from any server of the cluster (emit, join, leave, disconnect), routed through
/// the adapter like a broadcast to the room named by its id.
///
/// It is built from the plain [`SocketInfo`] an adapter returns, whichever node the socket is
/// on.
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
    /// Its data when fetched, serialized.
    data: Value,
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
            data: self.data.clone(),
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

impl<S: ?Sized + 'static, D: 'static> RemoteSocket<S, D> {
    pub(crate) fn new(info: SocketInfo, ns: Arc<NamespaceInner>) -> Self {
        let local = ns.get(info.id.clone());
        RemoteSocket {
            id: info.id,
            handshake: info.handshake,
            rooms: info.rooms.into_iter().collect(),
            data: info.data,
            ns,
            local,
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

    /// Its data: a copy of the value itself when the socket is connected to this node, else
    /// decoded from the form it crossed nodes in (`None` if that does not decode as a `D`).
    pub fn data(&self) -> Option<D>
    where
        D: Clone + DeserializeOwned,
    {
        match &self.local {
            Some(socket) => {
                let socket: Socket<Untyped, Untyped, D> = socket.cast();
                let data = socket.data().clone();
                Some(data)
            }
            None => self.data.clone().deserialize_into().ok(),
        }
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

    pub(crate) fn only_for_typed(&self) -> BroadcastOperator<Untyped, S, D> {
        self.only()
    }
}

impl<D: 'static> RemoteSocket<Untyped, D> {
    /// Emits to this socket.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, args: &T) -> Result<(), EmitError> {
        self.only().emit(event, args)
    }
}

#[cfg(test)]
mod tests {
    use crate::harness::{TestClient, quick_config};
    use crate::{Server, Socket};
    use serde_json::json;

    #[tokio::test]
    async fn fetched_sockets_carry_their_data_and_can_be_acted_on() {
        let io = Server::new(quick_config());
        io.of("/").on_connection(|socket: Socket| async move {
            socket.data().insert(json!({ "name": "ann" }));
        });
        let mut c = TestClient::open(&io).await;
        let answer = c.connect("/", json!({})).await;
        let found = io.broadcast().fetch_sockets().await;
        assert_eq!(found.len(), 1);
        let remote = &found[0];
        assert_eq!(json!(remote.id), answer["sid"]);
        let data = remote.data().expect("local data");
        assert_eq!(
            data.get::<serde_json::Value>(),
            Some(&json!({ "name": "ann" }))
        );
        remote.join("vip");
        assert_eq!(io.of("/").room_size("vip"), 1);
        remote.emit("direct", &"hi").unwrap();
        assert_eq!(c.event().await, json!(["direct", "hi"]));
        remote.disconnect(false);
        assert_eq!(c.recv_where(|p| p.starts_with("41")).await, "41");
    }
}
