//! [`Socket`]: one client in one namespace.

use crate::ack::{AckFuture, AckSender};
use crate::adapter::{IntoRooms, Room};
use crate::broadcast::BroadcastOperator;
use crate::client::Client;
use crate::engineio::{CloseReason, EngineSocket, Sid, Str};
use crate::handler::{self, AnyHandler, DisconnectHandler, DisconnectingHandler, EventHandler};
use crate::namespace::NamespaceInner;
use crate::protocol::socketio::packet::{PacketType, RESERVED_EVENTS};
use crate::protocol::socketio::{Args, EncodedPacket, encode};
use crate::typed::{Events, Extensions, HandledBy, Untyped};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

mod data;
mod handshake;
pub(crate) mod id_hash;
mod timeout;
mod typed;

pub use data::DataGuard;
pub use handshake::Handshake;
pub use timeout::SocketTimeout;
use tokio::sync::oneshot;

/// Why a socket left its namespace, worded as the reference words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisconnectReason {
    /// The client left the namespace (`socket.disconnect()` on the client).
    ClientNamespaceDisconnect,
    /// The server removed the socket ([`Socket::disconnect`]).
    ServerNamespaceDisconnect,
    /// The connection closed (the client went away or closed it).
    TransportClose,
    /// The connection failed.
    TransportError,
    /// The client stopped answering heartbeats.
    PingTimeout,
    /// The client sent something that is not a valid packet.
    ParseError,
    /// The server is shutting down.
    ServerShuttingDown,
    /// The connection was closed by the server at the Engine.IO level.
    ForcedClose,
    /// The server closed the connection: `disconnect(true)`, a packet out of turn, or no
    /// namespace joined within `connect_timeout`.
    ForcedServerClose,
}

impl DisconnectReason {
    /// The reason's text, as the client sees it in the reference.
    pub fn as_str(self) -> &'static str {
        match self {
            DisconnectReason::ClientNamespaceDisconnect => "client namespace disconnect",
            DisconnectReason::ServerNamespaceDisconnect => "server namespace disconnect",
            DisconnectReason::TransportClose => "transport close",
            DisconnectReason::TransportError => "transport error",
            DisconnectReason::PingTimeout => "ping timeout",
            DisconnectReason::ParseError => "parse error",
            DisconnectReason::ServerShuttingDown => "server shutting down",
            DisconnectReason::ForcedClose => "forced close",
            DisconnectReason::ForcedServerClose => "forced server close",
        }
    }
}

impl From<CloseReason> for DisconnectReason {
    fn from(r: CloseReason) -> Self {
        match r {
            CloseReason::TransportClose => DisconnectReason::TransportClose,
            CloseReason::TransportError => DisconnectReason::TransportError,
            CloseReason::PingTimeout => DisconnectReason::PingTimeout,
            CloseReason::ParseError => DisconnectReason::ParseError,
            CloseReason::ForcedClose => DisconnectReason::ForcedClose,
            CloseReason::ServerShuttingDown => DisconnectReason::ServerShuttingDown,
        }
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an emit failed.
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    /// The arguments do not serialize to JSON.
    #[error(transparent)]
    Encode(#[from] crate::protocol::socketio::EncodeError),
    /// The socket's connection is closed.
    #[error(transparent)]
    Send(#[from] crate::engineio::SendError),
    /// The event name is reserved.
    #[error("\"{0}\" is a reserved event name")]
    ReservedEvent(String),
}

/// A socket id: random for Socket.IO v5 clients; for v2 clients (Engine.IO v3), the form they
/// compute themselves, the Engine.IO id on `/` and `nsp#id` elsewhere, as the reference does.
pub type SocketId = Str;

/// An event's name, arguments and ack id, as received.
type EarlyEvent = (Str, Args, Option<u64>);

/// Events, and a disconnection, that came before the connection handlers ran.
#[derive(Default)]
struct Early {
    events: Vec<EarlyEvent>,
    close: Option<DisconnectReason>,
}

pub(crate) struct SocketInner {
    pub(crate) id: SocketId,
    pub(crate) ns: Arc<NamespaceInner>,
    pub(crate) client: Arc<Client>,
    /// The client's session, held here too: a broadcast writes to it straight from the socket,
    /// one pointer fewer to follow per receiver.
    engine: Arc<EngineSocket>,
    handshake: Handshake,
    handlers: RwLock<id_hash::HandlerMap<EventHandler>>,
    any: RwLock<Vec<AnyHandler>>,
    any_outgoing: RwLock<Vec<AnyHandler>>,
    disconnecting: RwLock<Vec<DisconnectingHandler>>,
    disconnect: RwLock<Vec<DisconnectHandler>>,
    acks: Mutex<HashMap<u64, oneshot::Sender<Args>>>,
    /// What arrived before the connection handlers ran, held back so that the handlers and hooks
    /// they register see it; `None` once released.
    early: Mutex<Option<Early>>,
    connected: AtomicBool,
    /// `socket.data`: the server's data type, boxed so that this struct needs no parameter;
    /// shared with the session kept for connection state recovery.
    data: crate::adapter::SocketData,
    /// The private session id, when connection state recovery is on.
    pid: Option<Str>,
    /// Whether this socket is a restored session.
    recovered: bool,
    /// Where its recovery session began in the adapter's log.
    since: std::sync::OnceLock<Str>,
    /// The offset its client presented for a session that could not be resumed.
    presented: Option<Str>,
}

/// A client connected to a namespace. Cheap to clone: clones are the same socket.
///
/// Its type parameters are those of its [`Server`](crate::Server): `C`, the events the client
/// sends (handled with [`on`](Self::on)), `S`, the events the server sends (emitted with
/// [`emit`](Self::emit)), and `D`, its [`data`](Self::data). All default to untyped: events
/// named by strings, arguments as [`Args`], data as [`Extensions`].
///
/// ```no_run
/// # use socketry::{Server, Socket};
/// # let io = Server::new(Default::default());
/// io.of("/").on_connection(|socket: Socket| async move {
///     socket.join("lobby");
///     socket.on("chat", |socket, args, _ack| async move {
///         let text: String = args.get(0).unwrap_or_default();
///         let _ = socket.to("lobby").emit("chat", &(socket.id().as_str(), text));
///     });
/// });
/// ```
pub struct Socket<C: ?Sized = Untyped, S: ?Sized = Untyped, D = Extensions>(
    pub(crate) Arc<SocketInner>,
    PhantomData<fn(&C, &S) -> D>,
);

impl<C: ?Sized, S: ?Sized, D> Clone for Socket<C, S, D> {
    fn clone(&self) -> Self {
        Socket(self.0.clone(), PhantomData)
    }
}

impl<C: ?Sized, S: ?Sized, D> fmt::Debug for Socket<C, S, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Socket")
            .field("id", &self.0.id)
            .field("nsp", &self.0.ns.name)
            .field("connected", &self.0.connected.load(Ordering::Acquire))
            .finish()
    }
}

impl<C: ?Sized, S: ?Sized, D> PartialEq for Socket<C, S, D> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Socket {
    pub(crate) fn new(
        ns: Arc<NamespaceInner>,
        client: Arc<Client>,
        auth: serde_json::Value,
        data: crate::adapter::SocketData,
        identity: crate::namespace::Identity,
    ) -> Self {
        let handshake = Handshake::new(client.engine().request().clone(), auth);
        Socket::from_inner(Arc::new(SocketInner {
            id: identity.id,
            ns,
            engine: client.engine().clone(),
            client,
            handshake,
            handlers: RwLock::default(),
            any: RwLock::default(),
            any_outgoing: RwLock::default(),
            disconnecting: RwLock::default(),
            disconnect: RwLock::default(),
            acks: Mutex::default(),
            early: Mutex::new(Some(Early::default())),
            connected: AtomicBool::new(false),
            data,
            pid: identity.pid,
            recovered: identity.recovered,
            since: identity
                .since
                .map(std::sync::OnceLock::from)
                .unwrap_or_default(),
            presented: identity.presented,
        }))
    }
}

impl<C: ?Sized + 'static, S: ?Sized + 'static, D: 'static> Socket<C, S, D> {
    pub(crate) fn from_inner(inner: Arc<SocketInner>) -> Self {
        Socket(inner, PhantomData)
    }

    /// The same socket seen with other type parameters (free: they exist only for the compiler).
    pub(crate) fn cast<C2: ?Sized, S2: ?Sized, D2>(&self) -> Socket<C2, S2, D2> {
        Socket(self.0.clone(), PhantomData)
    }

    /// The same socket without its event types, for events whose names are known only at run
    /// time: untyped [`on`](Socket::on) and [`emit`](Socket::emit). The data type stays.
    pub fn untyped(&self) -> Socket<Untyped, Untyped, D> {
        self.cast()
    }

    /// The socket id: the room it is alone in. For Socket.IO v5 clients it is random, distinct
    /// from the Engine.IO session id.
    pub fn id(&self) -> SocketId {
        self.0.id.clone()
    }

    /// The namespace's name.
    pub fn ns(&self) -> &str {
        &self.0.ns.name
    }

    /// The handshake: headers, query, address, time, URL and the `CONNECT` auth payload.
    pub fn handshake(&self) -> &Handshake {
        &self.0.handshake
    }

    /// Whether this socket is a session restored by connection state recovery: same id, rooms
    /// and data as before its connection dropped, and the packets it missed already sent.
    pub fn recovered(&self) -> bool {
        self.0.recovered
    }

    pub(crate) fn pid(&self) -> Option<&Str> {
        self.0.pid.as_ref()
    }

    /// The namespace this socket is in, to emit to all of it or to rooms the sender is in too
    /// (`io.of(socket.nsp)` in the reference), without capturing the server in a handler.
    /// Its inter-server events are untyped: the socket does not know them.
    ///
    /// ```
    /// # use socketry::Server;
    /// # let io = Server::new(Default::default());
    /// io.of("/").on_connection(|socket| async move {
    ///     socket.on("shout", |socket, args, _| async move {
    ///         // Everyone in the namespace, the sender included.
    ///         let _ = socket.namespace().emit("shout", &args);
    ///     });
    /// });
    /// ```
    pub fn namespace(&self) -> crate::Namespace<C, S, Untyped, D> {
        crate::Namespace::from_inner(self.0.ns.clone())
    }

    pub(crate) fn set_since(&self, since: Str) {
        let _ = self.0.since.set(since);
    }

    /// Whether the socket is still in its namespace.
    pub fn connected(&self) -> bool {
        self.0.connected.load(Ordering::Acquire)
    }

    /// The Engine.IO session carrying this socket (shared by its sockets in other namespaces).
    pub fn engine(&self) -> &Arc<EngineSocket> {
        &self.0.engine
    }

    /// Registers the untyped handler of `event`, replacing any previous one.
    pub(crate) fn register_handler(&self, event: Str, handler: EventHandler) {
        self.0
            .handlers
            .write()
            .expect("handlers lock")
            .insert(event, handler);
    }

    /// Removes the handler of `event`.
    pub fn off(&self, event: &str) {
        self.0
            .handlers
            .write()
            .expect("handlers lock")
            .remove(event);
    }

    /// A listener called with every incoming event, before its handler (typed or not), with
    /// the arguments as received.
    pub fn on_any(&self, listener: impl Fn(&Self, &str, &Args) + Send + Sync + 'static) {
        self.0.any.write().expect("any lock").push(Arc::new(
            move |s: &Socket, e: &str, a: &Args| listener(&s.cast(), e, a),
        ));
    }

    /// A listener called with every event emitted to this socket alone (not broadcasts).
    pub fn on_any_outgoing(&self, listener: impl Fn(&Self, &str, &Args) + Send + Sync + 'static) {
        self.0
            .any_outgoing
            .write()
            .expect("any lock")
            .push(Arc::new(move |s: &Socket, e: &str, a: &Args| {
                listener(&s.cast(), e, a)
            }));
    }

    /// A hook called when the socket is about to leave, while it is still in its rooms.
    pub fn on_disconnecting(&self, hook: impl Fn(&Self, DisconnectReason) + Send + Sync + 'static) {
        self.0
            .disconnecting
            .write()
            .expect("hooks lock")
            .push(Arc::new(move |s: &Socket, r| hook(&s.cast(), r)));
    }

    /// A handler called once the socket has left its namespace.
    pub fn on_disconnect<F, Fut>(&self, handler: F)
    where
        F: Fn(Self, DisconnectReason) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.0
            .disconnect
            .write()
            .expect("hooks lock")
            .push(Arc::new(move |s: Socket, r| Box::pin(handler(s.cast(), r))));
    }

    fn emit_untyped<T: Serialize + ?Sized>(&self, event: &str, args: &T) -> Result<(), EmitError> {
        check_event(event)?;
        let packet = encode::event(self.ns(), event, args, None)?;
        self.notify_outgoing(event, &packet);
        if self.0.pid.is_some() {
            // Through the adapter, which logs it with an offset, so that a client that drops
            // now gets it when it comes back.
            let opts = crate::adapter::BroadcastOptions {
                rooms: vec![self.0.id.clone()],
                ..Default::default()
            };
            self.0.ns.adapter().broadcast(&packet, &opts);
            return Ok(());
        }
        self.send_packet(&packet, false)?;
        Ok(())
    }

    /// Sets the acknowledgement timeout of the next emit with an acknowledgement.
    pub fn timeout(&self, timeout: Duration) -> SocketTimeout<'_, C, S, D> {
        SocketTimeout {
            socket: self,
            timeout,
        }
    }

    fn emit_with_ack_within<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
        timeout: Duration,
    ) -> AckFuture {
        if let Err(e) = check_event(event) {
            return AckFuture::failed(e.into());
        }
        let id = self.0.ns.next_ack_id();
        let packet = match encode::event(self.ns(), event, args, Some(id)) {
            Ok(p) => p,
            Err(e) => return AckFuture::failed(e.into()),
        };
        let rx = self.register_ack(id);
        self.notify_outgoing(event, &packet);
        if let Err(e) = self.send_packet(&packet, false) {
            self.0.acks.lock().expect("acks lock").remove(&id);
            return AckFuture::failed(e.into());
        }
        AckFuture::waiting(rx, timeout)
    }

    pub(crate) fn register_ack(&self, id: u64) -> oneshot::Receiver<Args> {
        let (tx, rx) = oneshot::channel();
        self.0.acks.lock().expect("acks lock").insert(id, tx);
        rx
    }

    pub(crate) fn forget_ack(&self, id: u64) {
        self.0.acks.lock().expect("acks lock").remove(&id);
    }

    fn notify_outgoing(&self, event: &str, packet: &EncodedPacket) {
        let listeners = self.0.any_outgoing.read().expect("any lock").clone();
        if listeners.is_empty() {
            return;
        }
        let args = outgoing_args(packet);
        let me = self.cast();
        for l in listeners {
            handler::call("on_any_outgoing", || l(&me, event, &args));
        }
    }

    /// Joins rooms (`"a"`, `["a", "b"]`, a `Vec`, …).
    pub fn join(&self, rooms: impl IntoRooms) {
        if self.connected() {
            self.0.ns.adapter().add_all(&self.0.id, &rooms.into_rooms());
        }
    }

    /// Leaves rooms.
    pub fn leave(&self, rooms: impl IntoRooms) {
        let adapter = self.0.ns.adapter();
        for room in rooms.into_rooms() {
            adapter.del(&self.0.id, &room);
        }
    }

    /// The rooms the socket is in (its own id among them).
    pub fn rooms(&self) -> HashSet<Room> {
        self.0.ns.adapter().socket_rooms(&self.0.id)
    }

    /// A broadcast to every other socket of the namespace.
    pub fn broadcast(&self) -> BroadcastOperator<C, S, D> {
        BroadcastOperator::new(self.0.ns.clone()).except(self.0.id.clone())
    }

    /// A broadcast to the sockets in `rooms`, except this one.
    pub fn to(&self, rooms: impl IntoRooms) -> BroadcastOperator<C, S, D> {
        self.broadcast().to(rooms)
    }

    /// Same as [`to`](Self::to).
    pub fn within(&self, rooms: impl IntoRooms) -> BroadcastOperator<C, S, D> {
        self.to(rooms)
    }

    /// A broadcast to every other socket of the namespace outside `rooms`.
    pub fn except(&self, rooms: impl IntoRooms) -> BroadcastOperator<C, S, D> {
        self.broadcast().except(rooms)
    }

    /// The socket's data (`socket.data` in the reference), locked while the guard lives.
    ///
    /// The guard is not `Send`: drop it before an `.await` (take what you need, or use
    /// [`set_data`](Self::set_data)).
    ///
    /// ```no_run
    /// # use socketry::{Server, Socket};
    /// # let io = Server::new(Default::default());
    /// #[derive(Clone)]
    /// struct User(String);
    /// io.of("/").on_connection(|socket: Socket| async move {
    ///     // Untyped sockets hold a map with one value per type.
    ///     socket.data().insert(User("ann".into()));
    ///     let name = socket.data().get::<User>().map(|u| u.0.clone());
    ///     assert_eq!(name.as_deref(), Some("ann"));
    /// });
    /// ```
    pub fn data(&self) -> DataGuard<'_, D> {
        DataGuard {
            guard: self.0.data.lock().unwrap_or_else(|e| e.into_inner()),
            _type: PhantomData,
        }
    }

    /// Replaces the socket's data, returning the previous value.
    pub fn set_data(&self, data: D) -> D {
        std::mem::replace(&mut *self.data(), data)
    }

    /// Removes the socket from its namespace (reason `server namespace disconnect`); with
    /// `close`, closes the whole connection, every namespace of the client included.
    pub fn disconnect(&self, close: bool) {
        if !self.connected() {
            return;
        }
        if close {
            self.0.client.disconnect_all();
        } else {
            let packet = encode::control::<()>(PacketType::Disconnect, self.ns(), None);
            let _ = self.send_packet(&packet, false);
            self.on_close(DisconnectReason::ServerNamespaceDisconnect);
        }
    }

    /// Writes an encoded packet to the client.
    pub(crate) fn send_packet(
        &self,
        packet: &EncodedPacket,
        volatile: bool,
    ) -> Result<(), crate::engineio::SendError> {
        Client::send_to(&self.0.engine, packet, volatile)
    }

    pub(crate) fn set_connected(&self) {
        self.0.connected.store(true, Ordering::Release);
    }

    /// An event from the client.
    pub(crate) fn on_event(&self, name: Str, args: Args, ack_id: Option<u64>) {
        if let Some(early) = self.0.early.lock().expect("early lock").as_mut() {
            early.events.push((name, args, ack_id));
            return;
        }
        self.dispatch_event(name, args, ack_id);
    }

    /// Delivers what was held back while the connection handlers ran, in order: the events,
    /// then a disconnection if one came. From then on, both go through directly. (In Node the
    /// CONNECT reply and the connection listeners run in one go, so nothing can arrive between
    /// them; here the client may answer the reply first.)
    pub(crate) fn release_early_events(&self) {
        loop {
            let (batch, close) = {
                let mut early = self.0.early.lock().expect("early lock");
                match early.as_mut() {
                    Some(e) if !e.events.is_empty() => (std::mem::take(&mut e.events), None),
                    Some(e) => {
                        let close = e.close;
                        *early = None;
                        (Vec::new(), close)
                    }
                    None => return,
                }
            };
            for (name, args, ack_id) in batch {
                self.dispatch_event(name, args, ack_id);
            }
            if let Some(reason) = close {
                self.on_close(reason);
                return;
            }
        }
    }

    fn dispatch_event(&self, name: Str, args: Args, ack_id: Option<u64>) {
        let me: Socket = self.cast();
        for l in self.0.any.read().expect("any lock").clone() {
            handler::call("on_any", || l(&me, &name, &args));
        }
        let handler = self
            .0
            .handlers
            .read()
            .expect("handlers lock")
            .get(&name)
            .cloned();
        let Some(handler) = handler else {
            tracing::trace!(sid = %self.0.id, event = %name, "no handler");
            return;
        };
        let ack = ack_id.map(|id| AckSender::new(me.clone(), id));
        handler::run(handler(me, args, ack), "event");
    }

    /// An acknowledgement from the client.
    pub(crate) fn on_ack(&self, id: u64, args: Args) {
        if let Some(tx) = self.0.acks.lock().expect("acks lock").remove(&id) {
            let _ = tx.send(args);
        }
    }

    /// Leaves the namespace: `disconnecting` hooks (rooms still joined), rooms and maps
    /// cleaned, pending acknowledgements failed, then `disconnect` handlers.
    pub(crate) fn on_close(&self, reason: DisconnectReason) {
        if let Some(early) = self.0.early.lock().expect("early lock").as_mut() {
            // The connection handlers have not run yet: their hooks will see this close.
            early.close.get_or_insert(reason);
            return;
        }
        if !self.0.connected.swap(false, Ordering::AcqRel) {
            return;
        }
        let me: Socket = self.cast();
        for hook in self.0.disconnecting.read().expect("hooks lock").clone() {
            handler::call("disconnecting", || hook(&me, reason));
        }
        if let Some(pid) = &self.0.pid
            && crate::recovery::is_recoverable(reason)
        {
            let adapter = self.0.ns.adapter();
            adapter.persist_session(crate::adapter::PersistedSession {
                sid: self.0.id.clone(),
                pid: pid.clone(),
                rooms: adapter.socket_rooms(&self.0.id).into_iter().collect(),
                data: self.0.data.clone(),
                since: self.0.since.get().cloned(),
                presented: self.0.presented.clone(),
            });
        }
        self.0.ns.remove(&me);
        self.0.client.remove(&me);
        // Dropping the senders fails every pending `emit_with_ack` with `Disconnected`.
        self.0.acks.lock().expect("acks lock").clear();
        tracing::debug!(sid = %self.0.id, nsp = self.ns(), %reason, "socket disconnected");
        let handlers = std::mem::take(&mut *self.0.disconnect.write().expect("hooks lock"));
        for h in handlers {
            handler::run(h(me.clone(), reason), "disconnect");
        }
        // The socket is gone: its handlers (and what they hold) can go too.
        self.0.handlers.write().expect("handlers lock").clear();
        self.0.any.write().expect("any lock").clear();
        self.0.any_outgoing.write().expect("any lock").clear();
        self.0.disconnecting.write().expect("hooks lock").clear();
    }
}

impl<C: ?Sized + 'static, D: 'static> Socket<C, Untyped, D> {
    /// Emits `event` to this client. A tuple spreads into several arguments (`&(1, "a")`),
    /// `&()` sends none, anything else is one argument; `bytes::Bytes` values anywhere in it
    /// travel as binary attachments.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, args: &T) -> Result<(), EmitError> {
        self.emit_untyped(event, args)
    }

    /// Emits `event` and waits for the client's acknowledgement, at most the server's
    /// `ack_timeout` (see [`timeout`](Self::timeout) for another).
    pub fn emit_with_ack<T: Serialize + ?Sized>(&self, event: &str, args: &T) -> AckFuture {
        let timeout = self.0.ns.ack_timeout();
        self.emit_with_ack_within(event, args, timeout)
    }
}

impl<S: ?Sized + 'static, D: 'static> Socket<Untyped, S, D> {
    /// Registers the handler of event `event`, replacing any previous one.
    ///
    /// It receives the socket, the arguments, and an [`AckSender`] when the client asked for an
    /// acknowledgement.
    pub fn on<F, Fut>(&self, event: impl Into<Str>, handler: F)
    where
        F: Fn(Self, Args, Option<AckSender>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handler: EventHandler =
            Arc::new(move |s: Socket, a, ack| Box::pin(handler(s.cast(), a, ack)));
        self.register_handler(event.into(), handler);
    }
}

impl<C: ?Sized + 'static, S: ?Sized + Events, D: 'static> Socket<C, S, D> {
    /// The events of `S` this socket can be sent, one method each, with their argument and
    /// acknowledgement types: `socket.emit().chat_message("ann", "hi")`.
    pub fn emit(&self) -> S::Emitter<&Self> {
        S::emitter(self)
    }
}

impl<C: ?Sized + Events, S: ?Sized + 'static, D: Send + 'static> Socket<C, S, D> {
    /// The events of `C` the client may send, one method each registering its handler, which
    /// receives the arguments decoded into their declared types:
    /// `socket.on().chat_message(|socket, from, text| async move { … })`.
    ///
    /// Arguments that do not decode go to the namespace's
    /// [`on_event_error`](crate::Namespace::on_event_error) hook instead of the handler.
    pub fn on(&self) -> C::Listeners<S, D> {
        C::listeners(self.clone())
    }

    /// Registers a handler for every event of `C` at once: a value implementing the
    /// `{Trait}Handler` trait that `#[events]` generated (the compiler then checks that no event
    /// is left unhandled).
    pub fn handle<H>(&self, handler: H)
    where
        C: HandledBy<H, S, D>,
    {
        C::register(Arc::new(handler), self)
    }

    /// Same as [`handle`](Self::handle), for a handler shared by many sockets.
    pub fn handle_shared<H>(&self, handler: Arc<H>)
    where
        C: HandledBy<H, S, D>,
    {
        C::register(handler, self)
    }
}

pub(crate) fn socket_id(nsp: &str, engine: &crate::engineio::EngineSocket) -> SocketId {
    if engine.protocol() == crate::engineio::ProtocolVersion::V3 {
        return match nsp {
            "/" => Str::from(engine.id().as_str()),
            _ => Str::from(format!("{nsp}#{}", engine.id())),
        };
    }
    Str::from(Sid::random().as_str())
}

pub(crate) fn check_event(event: &str) -> Result<(), EmitError> {
    if RESERVED_EVENTS.contains(&event) {
        return Err(EmitError::ReservedEvent(event.to_owned()));
    }
    Ok(())
}

/// The arguments of an encoded event, for `on_any_outgoing` listeners.
fn outgoing_args(packet: &EncodedPacket) -> Args {
    match crate::protocol::socketio::packet::Packet::decode(packet.text()) {
        Ok(crate::protocol::socketio::packet::Packet {
            payload: crate::protocol::socketio::packet::Payload::Event { args, .. },
            ..
        }) => Args::new(args, packet.attachments.clone()),
        _ => Args::default(),
    }
}
