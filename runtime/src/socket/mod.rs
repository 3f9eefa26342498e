//! [`Socket`]: one client in one namespace.
//!
//! The handle and its state are here; what it does is split by job: [`emit`](self) to its
//! client (`emit.rs`), events from its client (`dispatch.rs`), leaving the namespace
//! (`lifecycle.rs`), why it left (`reason.rs`) and what can fail (`error.rs`).

mod data;
mod dispatch;
mod emit;
mod error;
mod lifecycle;
mod reason;
#[cfg(test)]
mod tests;
mod timeout;

pub use crate::adapter::Handshake;
pub use crate::protocol::SocketId;
pub(crate) use data::DataCodec;
pub use data::DataGuard;
pub use error::{EmitError, EventError};
pub use reason::DisconnectReason;
pub(crate) use reason::is_recoverable;
pub use timeout::SocketTimeout;

use crate::adapter::{IntoRooms, Room};
use crate::broadcast::BroadcastOperator;
use crate::client::Client;
use crate::engineio::EngineSocket;
use crate::handler::{AnyHandler, DisconnectHandler, DisconnectingHandler, EventHandler};
use crate::namespace::{Identity, NamespaceInner};
use crate::protocol::socketio::Args;
use crate::protocol::{HandlerMap, RESERVED_EVENTS, Sid, Str};
use crate::typed::{Extensions, Untyped};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::oneshot;

/// A socket's data (`socket.data`), shared by its handles and kept with its session: the
/// server's data type, boxed so that a socket needs no type parameter.
pub(crate) type DataCell = Arc<Mutex<Box<dyn std::any::Any + Send>>>;

/// An event's name, arguments and ack id, as received.
pub(crate) type EarlyEvent = (Str, Args, Option<u64>);

/// Events, and a disconnection, that came before the connection handlers ran.
#[derive(Default)]
pub(crate) struct Early {
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
    handlers: RwLock<HandlerMap<EventHandler>>,
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
    pub(crate) data: DataCell,
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
        data: DataCell,
        identity: Identity,
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
