//! [`BroadcastOperator`]: emits to many sockets at once, selected by rooms.

use crate::ack::BroadcastAckFuture;
use crate::adapter::{BroadcastFlags, BroadcastOptions, IntoRooms};
use crate::namespace::NamespaceInner;
use crate::protocol::SocketId;
use crate::protocol::socketio::encode;
use crate::remote::RemoteSocket;
use crate::socket::{EmitError, Socket, check_event};
use crate::typed::{Extensions, Untyped};
use serde::Serialize;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

/// A broadcast being built: `to`/`in` (a union of rooms), `except`, and flags; then `emit`,
/// `emit_with_ack`, or an operation on the selected sockets.
///
/// The packet is encoded once, however many sockets receive it, and every receiver gets the same
/// buffers.
///
/// ```no_run
/// # use socketry::Server;
/// # let io = Server::new(Default::default());
/// // Everyone in "room1" or "room2", but not in "muted".
/// io.to(["room1", "room2"]).except("muted").emit("news", &"hello").unwrap();
/// ```
///
/// Typed, it emits the events of `S` with their declared types:
/// `socket.to("room").emit().chat_message("ann", "hi")`.
pub struct BroadcastOperator<C: ?Sized = Untyped, S: ?Sized = Untyped, D = Extensions> {
    ns: Arc<NamespaceInner>,
    opts: BroadcastOptions,
    timeout: Option<Duration>,
    _types: PhantomData<fn(&C, &S) -> D>,
}

impl<C: ?Sized, S: ?Sized, D> Clone for BroadcastOperator<C, S, D> {
    fn clone(&self) -> Self {
        BroadcastOperator {
            ns: self.ns.clone(),
            opts: self.opts.clone(),
            timeout: self.timeout,
            _types: PhantomData,
        }
    }
}

impl<C: ?Sized, S: ?Sized, D> fmt::Debug for BroadcastOperator<C, S, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BroadcastOperator")
            .field("nsp", &self.ns.name)
            .field("opts", &self.opts)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl<C: ?Sized + 'static, S: ?Sized + 'static, D: 'static> BroadcastOperator<C, S, D> {
    pub(crate) fn new(ns: Arc<NamespaceInner>) -> Self {
        BroadcastOperator {
            ns,
            opts: BroadcastOptions {
                flags: BroadcastFlags {
                    compress: true,
                    ..Default::default()
                },
                ..Default::default()
            },
            timeout: None,
            _types: PhantomData,
        }
    }

    /// Adds rooms to the target (a union: a socket in any of them receives it once).
    pub fn to(mut self, rooms: impl IntoRooms) -> Self {
        self.opts.rooms.extend(rooms.into_rooms());
        self
    }

    /// Same as [`to`](Self::to).
    pub fn within(self, rooms: impl IntoRooms) -> Self {
        self.to(rooms)
    }

    /// Excludes the sockets in these rooms.
    pub fn except(mut self, rooms: impl IntoRooms) -> Self {
        self.opts.except.extend(rooms.into_rooms());
        self
    }

    /// Only this node's sockets (with a cluster adapter).
    pub fn local(mut self) -> Self {
        self.opts.flags.local = true;
        self
    }

    /// Drops the packet for sockets that are not ready to take it now.
    pub fn volatile(mut self) -> Self {
        self.opts.flags.volatile = true;
        self
    }

    /// Whether the packet may be compressed.
    pub fn compress(mut self, compress: bool) -> Self {
        self.opts.flags.compress = compress;
        self
    }

    /// How long `emit_with_ack` waits for the answers (the server's `ack_timeout` otherwise).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    pub(crate) fn emit_untyped<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<(), EmitError> {
        check_event(event)?;
        let packet = encode::event(&self.ns.name, event, args, None)?;
        self.ns.adapter().broadcast(&packet, &self.opts);
        Ok(())
    }

    pub(crate) fn emit_with_ack_untyped<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> BroadcastAckFuture {
        let sent = check_event(event).and_then(|()| {
            // One id for every receiver, so that one encoding serves them all.
            let id = self.ns.next_ack_id();
            let packet = encode::event(&self.ns.name, event, args, Some(id))?;
            Ok((id, packet))
        });
        let (id, packet) = match sent {
            Ok(p) => p,
            Err(e) => return BroadcastAckFuture::new(Box::pin(std::future::ready(Err(e)))),
        };
        let timeout = self.timeout.unwrap_or_else(|| self.ns.ack_timeout());
        let answers = self
            .ns
            .adapter()
            .broadcast_with_ack(&packet, id, &self.opts, timeout);
        BroadcastAckFuture::new(Box::pin(async move { Ok(answers.await) }))
    }

    /// The selected sockets connected to this node, as handles.
    pub fn sockets(&self) -> Vec<Socket<C, S, D>> {
        self.ns
            .adapter()
            .local_sockets(&self.opts)
            .into_iter()
            .filter_map(|sid| self.ns.get(sid))
            .map(|s| s.cast())
            .collect()
    }

    /// The selected sockets, wherever they are connected (`fetchSockets()`). On a cluster,
    /// the sockets of a node that does not answer within the adapter's request timeout are
    /// left out, with a warning in the log (Node's `fetchSockets` rejects instead, losing
    /// the answers that came).
    pub async fn fetch_sockets(&self) -> Vec<RemoteSocket<S, D>> {
        self.ns
            .adapter()
            .fetch_sockets(&self.opts)
            .await
            .into_iter()
            .map(|info| RemoteSocket::new(info, self.ns.clone()))
            .collect()
    }

    /// The ids of the selected sockets, wherever they are connected (`allSockets()`): with
    /// [`to`](Self::to), a room's size across the cluster, where
    /// [`Namespace::room_size`](crate::Namespace::room_size) counts this node's. Asked of the
    /// other nodes as [`fetch_sockets`](Self::fetch_sockets) asks them, the one request every
    /// node (Node's among them) answers.
    ///
    /// ```
    /// # use socketry::Server;
    /// # async fn run(io: Server) {
    /// let in_lobby = io.to("lobby").all_sockets().await.len();
    /// # }
    /// ```
    pub async fn all_sockets(&self) -> std::collections::HashSet<SocketId> {
        self.ns
            .adapter()
            .fetch_sockets(&self.opts)
            .await
            .into_iter()
            .map(|info| info.id)
            .collect()
    }

    /// Makes the selected sockets join `rooms`.
    pub fn sockets_join(&self, rooms: impl IntoRooms) {
        self.ns
            .adapter()
            .add_sockets(&self.opts, &rooms.into_rooms());
    }

    /// Makes the selected sockets leave `rooms`.
    pub fn sockets_leave(&self, rooms: impl IntoRooms) {
        self.ns
            .adapter()
            .del_sockets(&self.opts, &rooms.into_rooms());
    }

    /// Disconnects the selected sockets (with `close`, their whole connections).
    pub fn disconnect_sockets(&self, close: bool) {
        self.ns.adapter().disconnect_sockets(&self.opts, close);
    }
}

impl<C: ?Sized + 'static, D: 'static> BroadcastOperator<C, Untyped, D> {
    /// Emits to every selected socket.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, args: &T) -> Result<(), EmitError> {
        self.emit_untyped(event, args)
    }

    /// Emits to every selected socket and collects each one's acknowledgement, waiting at most
    /// the timeout: sockets that do not answer in time have
    /// [`AckError::Timeout`](crate::AckError::Timeout).
    pub fn emit_with_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> BroadcastAckFuture {
        self.emit_with_ack_untyped(event, args)
    }
}

#[cfg(test)]
mod tests {
    use crate::harness::{TestClient, quick_config};
    use crate::{Server, Socket};
    use serde_json::json;

    #[tokio::test]
    async fn rooms_union_and_exceptions_select_the_receivers() {
        let io = Server::new(quick_config());
        io.of("/").on_connection(|socket: Socket| async move {
            let room: String = socket.handshake().auth["room"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            socket.join(room);
        });
        let mut clients = Vec::new();
        for room in ["a", "b", "c"] {
            let mut c = TestClient::open(&io).await;
            c.connect("/", json!({ "room": room })).await;
            clients.push(c);
        }
        io.to(["a", "b"]).except("b").emit("n", &1).unwrap();
        io.to("c").emit("n", &2).unwrap();
        io.broadcast().emit("n", &3).unwrap();
        assert_eq!(clients[0].event().await, json!(["n", 1]));
        assert_eq!(clients[0].event().await, json!(["n", 3]));
        assert_eq!(clients[1].event().await, json!(["n", 3]), "b was excepted");
        assert_eq!(clients[2].event().await, json!(["n", 2]));
        assert_eq!(clients[2].event().await, json!(["n", 3]));
        assert_eq!(io.to("a").sockets().len(), 1);
        let fetched = io.to(["a", "c"]).fetch_sockets().await;
        assert_eq!(fetched.len(), 2);
        assert!(fetched.iter().all(|s| s.rooms.len() == 2));
    }

    #[tokio::test]
    async fn a_broadcast_with_acks_collects_every_answer() {
        let io = Server::new(quick_config());
        let mut a = TestClient::open(&io).await;
        a.connect("/", json!({})).await;
        let mut b = TestClient::open(&io).await;
        b.connect("/", json!({})).await;
        let asked = io.broadcast().emit_with_ack("q", &());
        for c in [&mut a, &mut b] {
            c.answer_next_ack(r#""yes""#).await;
        }
        let answers = asked.await.unwrap();
        assert_eq!(answers.len(), 2);
        for (_, answer) in answers {
            assert_eq!(answer.unwrap().get::<String>(0).unwrap(), "yes");
        }
    }
}
