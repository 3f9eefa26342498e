//! [`Namespace`]: a channel of the server, with its sockets, middlewares and adapter.

use crate::adapter::{Adapter, BroadcastFlags, IntoRooms, LocalNamespace, RestoredSession, Room};
use crate::broadcast::BroadcastOperator;
use crate::client::Client;
use crate::engineio::{EngineSocket, SendError};
use crate::handler::{self, ConnectionHandler, Middleware};
use crate::protocol::Str;
use crate::protocol::socketio::packet::PacketType;
use crate::protocol::socketio::{Args, EncodedPacket, encode};
use crate::remote::RemoteSocket;
use crate::server::ServerInner;
use crate::socket::Socket;
use crate::socket::SocketId;
use crate::socket::id_hash::OrderedIdMap;
use crate::typed::{EmitTarget, EventError, Events, Extensions, Untyped};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock, Weak};
use std::time::Duration;
use tokio::sync::oneshot;

/// A middleware's refusal: the client gets a `connect_error` whose `message` is this message and
/// whose `data` is this data.
#[derive(Debug, Clone, PartialEq)]
pub struct MiddlewareError {
    /// `err.message` on the client.
    pub message: String,
    /// `err.data` on the client.
    pub data: Option<serde_json::Value>,
}

impl MiddlewareError {
    /// A refusal with a message.
    pub fn new(message: impl Into<String>) -> Self {
        MiddlewareError {
            message: message.into(),
            data: None,
        }
    }

    /// Adds data for the client (`err.data`).
    pub fn with_data(mut self, data: impl Serialize) -> Self {
        self.data = serde_json::to_value(data).ok();
        self
    }
}

impl fmt::Display for MiddlewareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MiddlewareError {}

type EventErrorHook = Arc<dyn Fn(&Socket, &EventError) + Send + Sync>;

/// What a namespace runs for each new socket; shared by the children of a dynamic namespace.
#[derive(Default)]
pub(crate) struct Hooks {
    pub(crate) middlewares: RwLock<Vec<Middleware>>,
    pub(crate) on_connection: RwLock<Vec<ConnectionHandler>>,
    event_error: RwLock<Option<EventErrorHook>>,
}

impl Hooks {
    pub(crate) fn add_connection_handler<
        C: ?Sized + 'static,
        S: ?Sized + 'static,
        D: 'static,
        F,
        Fut,
    >(
        &self,
        handler: F,
    ) where
        F: Fn(Socket<C, S, D>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.on_connection
            .write()
            .expect("hooks lock")
            .push(Arc::new(move |s: Socket| Box::pin(handler(s.cast()))));
    }

    pub(crate) fn add_middleware<C: ?Sized + 'static, S: ?Sized + 'static, D: 'static, F, Fut>(
        &self,
        middleware: F,
    ) where
        F: Fn(Socket<C, S, D>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), MiddlewareError>> + Send + 'static,
    {
        self.middlewares
            .write()
            .expect("hooks lock")
            .push(Arc::new(move |s: Socket| Box::pin(middleware(s.cast()))));
    }

    pub(crate) fn set_event_error<C: ?Sized + 'static, S: ?Sized + 'static, D: 'static>(
        &self,
        hook: impl Fn(&Socket<C, S, D>, &EventError) + Send + Sync + 'static,
    ) {
        *self.event_error.write().expect("hooks lock") =
            Some(Arc::new(move |s: &Socket, e| hook(&s.cast(), e)));
    }

    pub(crate) fn event_error(&self) -> Option<EventErrorHook> {
        self.event_error.read().expect("hooks lock").clone()
    }
}

/// A connected socket, with its session beside it: a broadcast writes to the session without
/// reading the socket (one cache line fewer for each receiver).
struct Member {
    socket: Socket,
    engine: Arc<EngineSocket>,
}

impl Member {
    fn send(&self, packet: &EncodedPacket, flags: BroadcastFlags) {
        let _ = Client::send_to(&self.engine, packet, flags.volatile);
    }
}

pub(crate) struct NamespaceInner {
    pub(crate) name: Str,
    /// This namespace, for the handles it gives out (`RemoteSocket`).
    me: Weak<NamespaceInner>,
    sockets: RwLock<OrderedIdMap<Member>>,
    adapter: OnceLock<Arc<dyn Adapter>>,
    pub(crate) hooks: Arc<Hooks>,
    ack_ids: AtomicU64,
    server: Weak<ServerInner>,
}

impl NamespaceInner {
    pub(crate) fn new(name: Str, hooks: Arc<Hooks>, server: &Arc<ServerInner>) -> Arc<Self> {
        let ns = Arc::new_cyclic(|me| NamespaceInner {
            me: me.clone(),
            name,
            sockets: RwLock::default(),
            adapter: OnceLock::new(),
            hooks,
            ack_ids: AtomicU64::new(0),
            server: Arc::downgrade(server),
        });
        let adapter = (server.adapter)(ns.clone());
        let _ = ns.adapter.set(adapter);
        ns
    }

    fn me(&self) -> Option<Arc<NamespaceInner>> {
        self.me.upgrade()
    }

    pub(crate) fn adapter(&self) -> &Arc<dyn Adapter> {
        self.adapter.get().expect("set at creation")
    }

    pub(crate) fn next_ack_id(&self) -> u64 {
        self.ack_ids.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn ack_timeout(&self) -> Duration {
        self.server
            .upgrade()
            .map_or(Duration::from_secs(5), |s| s.config.ack_timeout)
    }

    pub(crate) fn get(&self, id: SocketId) -> Option<Socket> {
        self.sockets
            .read()
            .expect("sockets lock")
            .get(&id)
            .map(|m| m.socket.clone())
    }

    /// The sockets of `targets` still connected, with the sockets lock released.
    fn collect(&self, targets: &[SocketId]) -> Vec<Socket> {
        let sockets = self.sockets.read().expect("sockets lock");
        targets
            .iter()
            .filter_map(|id| sockets.get(id))
            .map(|m| m.socket.clone())
            .collect()
    }

    pub(crate) fn all(&self) -> Vec<Socket> {
        self.sockets
            .read()
            .expect("sockets lock")
            .values()
            .map(|m| m.socket.clone())
            .collect()
    }

    pub(crate) fn remove(&self, socket: &Socket) {
        self.adapter().del_all(&socket.id());
        self.sockets
            .write()
            .expect("sockets lock")
            .swap_remove(&socket.id());
    }

    /// A client's `CONNECT`: runs the middlewares, then admits the socket or refuses it.
    pub(crate) async fn connect(self: Arc<Self>, client: Arc<Client>, auth: serde_json::Value) {
        let recovery = self.connection_state_recovery();
        // A client coming back with its private id and, if it received an event, the offset
        // of the last one.
        let presented = match &auth["offset"] {
            serde_json::Value::Null => Ok(None),
            serde_json::Value::String(offset) => Ok(Some(offset.as_str())),
            _ => Err(()),
        };
        let restored = match (&recovery, &auth["pid"], presented) {
            (Some(_), serde_json::Value::String(pid), Ok(offset)) => {
                self.adapter().restore_session(pid, offset).await
            }
            _ => None,
        };
        let skip_middlewares =
            restored.is_some() && recovery.as_ref().is_some_and(|r| r.skip_middlewares);
        let (socket, restored) = match restored {
            Some(RestoredSession {
                session,
                resume_after,
            }) => {
                tracing::debug!(sid = %session.sid, nsp = %self.name, "connection state recovered");
                let identity = Identity {
                    id: session.sid,
                    pid: Some(session.pid),
                    recovered: true,
                    since: session.since,
                    presented: session.presented,
                };
                let socket =
                    Socket::new(self.clone(), client.clone(), auth, session.data, identity);
                (socket, Some((session.rooms, resume_after)))
            }
            None => {
                let data = self.server.upgrade().map_or_else(
                    || Box::new(Extensions::new()) as Box<dyn std::any::Any + Send>,
                    |s| (s.new_data)(),
                );
                let presented = match (&recovery, &auth["offset"]) {
                    (Some(_), serde_json::Value::String(o)) => Some(Str::from(o.as_str())),
                    _ => None,
                };
                let identity = Identity {
                    id: crate::socket::socket_id(&self.name, client.engine()),
                    pid: recovery
                        .is_some()
                        .then(|| Str::from(crate::protocol::Sid::random().as_str())),
                    recovered: false,
                    since: None,
                    presented,
                };
                let data = Arc::new(std::sync::Mutex::new(data));
                (
                    Socket::new(self.clone(), client.clone(), auth, data, identity),
                    None,
                )
            }
        };
        let middlewares = if skip_middlewares {
            Vec::new()
        } else {
            self.hooks.middlewares.read().expect("hooks lock").clone()
        };
        for mw in middlewares {
            let result = match futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(
                mw(socket.clone()),
            ))
            .await
            {
                Ok(r) => r,
                Err(_) => {
                    tracing::error!(nsp = %self.name, "a middleware panicked");
                    Err(MiddlewareError::new("middleware error"))
                }
            };
            if let Err(err) = result {
                if client.is_closed() {
                    return;
                }
                tracing::debug!(nsp = %self.name, error = %err, "connection refused by a middleware");
                // v5: `{message, data}`; v4 (v2 clients): the data, or else the message.
                let data = match (client.is_v4_protocol(), err.data) {
                    (false, Some(data)) => {
                        serde_json::json!({ "message": err.message, "data": data })
                    }
                    (false, None) => serde_json::json!({ "message": err.message }),
                    (true, Some(data)) => data,
                    (true, None) => serde_json::Value::String(err.message),
                };
                let packet = encode::control(PacketType::ConnectError, &self.name, Some(&data));
                let _ = client.send(&packet, false);
                client.connect_done(&self.name, None);
                return;
            }
        }
        if client.is_closed() {
            client.connect_done(&self.name, None);
            return;
        }
        // Makes the socket reachable and answers its CONNECT.
        let mut attach = || {
            self.sockets.write().expect("sockets lock").insert(
                socket.id(),
                Member {
                    socket: socket.clone(),
                    engine: socket.engine().clone(),
                },
            );
            socket.set_connected();
            client.connect_done(&self.name, Some(socket.clone()));
            // v4 (v2 clients) answers with an empty CONNECT; v5 gives the socket id, and the
            // private id when recovery is on.
            let reply = (!client.is_v4_protocol()).then(|| match socket.pid() {
                Some(pid) => serde_json::json!({ "sid": socket.id(), "pid": pid }),
                None => serde_json::json!({ "sid": socket.id() }),
            });
            let packet = encode::control(PacketType::Connect, &self.name, reply.as_ref());
            let _ = client.send(&packet, false);
        };
        match restored {
            // Rooms joined and missed packets replayed as one step with respect to broadcasts.
            Some((rooms, resume_after)) => {
                self.adapter()
                    .join_restored(&socket.id(), &rooms, &resume_after, &mut attach)
            }
            None => {
                if let Some(since) = self.adapter().join_new(&socket.id(), &mut attach) {
                    socket.set_since(since);
                }
            }
        }
        tracing::debug!(sid = %socket.id(), nsp = %self.name, "socket connected");
        for h in self.hooks.on_connection.read().expect("hooks lock").clone() {
            handler::run(h(socket.clone()), "connection");
        }
        socket.release_early_events();
    }
}

/// Who a new socket is: a fresh identity, or the one of a restored session.
pub(crate) struct Identity {
    pub(crate) id: SocketId,
    pub(crate) pid: Option<Str>,
    pub(crate) recovered: bool,
    /// Where its session began in the adapter's log (a restored one's, or set once joined).
    pub(crate) since: Option<Str>,
    /// The offset the client presented for a session that could not be resumed.
    pub(crate) presented: Option<Str>,
}

impl LocalNamespace for NamespaceInner {
    fn name(&self) -> &str {
        &self.name
    }

    fn socket_ids(&self) -> Vec<SocketId> {
        self.sockets
            .read()
            .expect("sockets lock")
            .keys()
            .cloned()
            .collect()
    }

    fn deliver_to_all(
        &self,
        except: &HashSet<SocketId>,
        packet: &EncodedPacket,
        flags: BroadcastFlags,
    ) {
        let sockets = self.sockets.read().expect("sockets lock");
        for (id, member) in sockets.iter() {
            if except.is_empty() || !except.contains(id) {
                member.send(packet, flags);
            }
        }
    }

    fn deliver(
        &self,
        targets: &mut dyn Iterator<Item = &SocketId>,
        packet: &EncodedPacket,
        flags: BroadcastFlags,
    ) {
        let sockets = self.sockets.read().expect("sockets lock");
        for id in targets {
            if let Some(member) = sockets.get(id) {
                member.send(packet, flags);
            }
        }
    }

    fn deliver_with_ack(
        &self,
        targets: &[SocketId],
        packet: &EncodedPacket,
        ack_id: u64,
        flags: BroadcastFlags,
    ) -> Vec<(SocketId, Result<oneshot::Receiver<Args>, SendError>)> {
        let sockets = self.sockets.read().expect("sockets lock");
        targets
            .iter()
            .filter_map(|id| sockets.get(id))
            .map(|Member { socket, .. }| {
                let rx = socket.register_ack(ack_id);
                let sent = socket.send_packet(packet, flags.volatile).map(|()| rx);
                (socket.id(), sent)
            })
            .collect()
    }

    fn forget_ack(&self, targets: &[SocketId], ack_id: u64) {
        let sockets = self.sockets.read().expect("sockets lock");
        for member in targets.iter().filter_map(|id| sockets.get(id)) {
            member.socket.forget_ack(ack_id);
        }
    }

    fn describe(&self, targets: &[SocketId]) -> Vec<RemoteSocket> {
        let Some(me) = self.me() else {
            return Vec::new();
        };
        // Collected first: a socket's rooms are the adapter's, whose lock is never taken
        // while this one is held (a broadcast to a room takes them the other way round).
        self.collect(targets)
            .iter()
            .map(|s| RemoteSocket::new(s, me.clone()))
            .collect()
    }

    fn connection_state_recovery(&self) -> Option<crate::ConnectionStateRecovery> {
        self.server
            .upgrade()
            .and_then(|s| s.config.connection_state_recovery.clone())
    }

    fn liveness_timeout(&self) -> Duration {
        self.server.upgrade().map_or(Duration::from_secs(45), |s| {
            s.config.engine.ping_interval + s.config.engine.ping_timeout
        })
    }

    fn disconnect(&self, targets: &[SocketId], close: bool) {
        // Collected first: disconnecting takes the sockets lock again.
        for socket in self.collect(targets) {
            socket.disconnect(close);
        }
    }
}

/// A namespace (`io.of("/chat")`): its sockets, its middlewares, its connection handlers and
/// broadcasts to its rooms. Cheap to clone.
///
/// Its type parameters are its [`Server`](crate::Server)'s.
pub struct Namespace<C: ?Sized = Untyped, S: ?Sized = Untyped, I: ?Sized = Untyped, D = Extensions>(
    pub(crate) Arc<NamespaceInner>,
    PhantomData<fn(&C, &S, &I) -> D>,
);

impl<C: ?Sized, S: ?Sized, I: ?Sized, D> Clone for Namespace<C, S, I, D> {
    fn clone(&self) -> Self {
        Namespace(self.0.clone(), PhantomData)
    }
}

impl<C: ?Sized, S: ?Sized, I: ?Sized, D> fmt::Debug for Namespace<C, S, I, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Namespace")
            .field("name", &self.0.name)
            .field(
                "sockets",
                &self.0.sockets.read().map(|s| s.len()).unwrap_or(0),
            )
            .finish()
    }
}

impl<C: ?Sized + 'static, S: ?Sized + 'static, I: ?Sized + 'static, D: 'static>
    Namespace<C, S, I, D>
{
    pub(crate) fn from_inner(inner: Arc<NamespaceInner>) -> Self {
        Namespace(inner, PhantomData)
    }

    /// The name (`/`, `/chat`, …).
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// Registers a handler run for every socket that joins (after the middlewares accept it).
    pub fn on_connection<F, Fut>(&self, handler: F) -> &Self
    where
        F: Fn(Socket<C, S, D>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.0.hooks.add_connection_handler(handler);
        self
    }

    /// Adds a middleware (`use` in the reference), run in order for every `CONNECT` before the
    /// socket is admitted. Returning an error refuses the connection with a `connect_error`
    /// carrying its message and data. The socket is not connected yet: it can be inspected and
    /// given data, not emitted to.
    pub fn middleware<F, Fut>(&self, middleware: F) -> &Self
    where
        F: Fn(Socket<C, S, D>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), MiddlewareError>> + Send + 'static,
    {
        self.0.hooks.add_middleware(middleware);
        self
    }

    /// Sets the hook called when a typed event arrives with arguments that do not match its
    /// declared types. The event's handler is not called and the socket stays connected; a
    /// client that asked for an acknowledgement gets one argument, `{"error": "<why>"}`.
    /// Without a hook, the mismatch is only logged (`warn`).
    pub fn on_event_error(
        &self,
        hook: impl Fn(&Socket<C, S, D>, &EventError) + Send + Sync + 'static,
    ) -> &Self {
        self.0.hooks.set_event_error(hook);
        self
    }

    /// The sockets connected on this node.
    pub fn sockets(&self) -> Vec<Socket<C, S, D>> {
        self.0.all().iter().map(Socket::cast).collect()
    }

    /// The socket with this id, if connected here.
    pub fn socket(&self, id: SocketId) -> Option<Socket<C, S, D>> {
        self.0.get(id).map(|s| s.cast())
    }

    /// The adapter holding this namespace's rooms.
    pub fn adapter(&self) -> &Arc<dyn Adapter> {
        self.0.adapter()
    }

    /// The rooms that have sockets on this node (each socket's own room, named by its id,
    /// among them).
    pub fn rooms(&self) -> HashSet<Room> {
        self.0.adapter().rooms()
    }

    /// How many sockets of this node are in `room`, without building their handles.
    ///
    /// ```
    /// # use socketry::Server;
    /// # let io = Server::new(Default::default());
    /// io.of("/").on_connection(|socket| async move {
    ///     socket.join("lobby");
    ///     let here = socket.namespace().room_size("lobby");
    ///     let _ = socket.emit("welcome", &here);
    /// });
    /// ```
    pub fn room_size(&self, room: &str) -> usize {
        self.0.adapter().room_size(&Str::from(room))
    }

    /// Every room with sockets on this node, with how many (each socket's own room among
    /// them, with 1).
    pub fn room_sizes(&self) -> std::collections::HashMap<Room, usize> {
        self.0.adapter().room_sizes()
    }

    /// A broadcast to every socket of the namespace.
    pub fn broadcast(&self) -> BroadcastOperator<C, S, D> {
        BroadcastOperator::new(self.0.clone())
    }

    /// A broadcast to the sockets in `rooms`.
    pub fn to(&self, rooms: impl IntoRooms) -> BroadcastOperator<C, S, D> {
        self.broadcast().to(rooms)
    }

    /// Same as [`to`](Self::to).
    pub fn within(&self, rooms: impl IntoRooms) -> BroadcastOperator<C, S, D> {
        self.to(rooms)
    }

    /// A broadcast to the sockets outside `rooms`.
    pub fn except(&self, rooms: impl IntoRooms) -> BroadcastOperator<C, S, D> {
        self.broadcast().except(rooms)
    }

    /// Disconnects every socket of the namespace.
    pub fn disconnect_sockets(&self, close: bool) {
        self.broadcast().disconnect_sockets(close)
    }
}

impl<C: ?Sized + 'static, I: ?Sized + 'static, D: 'static> Namespace<C, Untyped, I, D> {
    /// Emits to every socket of the namespace.
    pub fn emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<(), crate::EmitError> {
        self.broadcast().emit(event, args)
    }
}

impl<C: ?Sized + 'static, S: ?Sized + Events, I: ?Sized + 'static, D: 'static>
    Namespace<C, S, I, D>
{
    /// The events of `S`, one method each, emitted to every socket of the namespace.
    pub fn emit(&self) -> S::Emitter<BroadcastOperator<C, S, D>> {
        S::emitter(self.broadcast())
    }
}

impl<C: ?Sized + 'static, S: ?Sized + 'static, D: 'static> Namespace<C, S, Untyped, D> {
    /// Emits an event to the other servers of the cluster (`serverSideEmit`). The in-memory
    /// adapter has none and answers [`AdapterError::Unsupported`](crate::adapter::AdapterError).
    pub fn server_side_emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<(), crate::adapter::AdapterError> {
        ServerSideEmit { ns: self.0.clone() }.emit_untyped(event, args)
    }
}

impl<C: ?Sized + 'static, S: ?Sized + 'static, I: ?Sized + Events, D: 'static>
    Namespace<C, S, I, D>
{
    /// The inter-server events of `I`, one method each, sent to the other servers of the
    /// cluster (`serverSideEmit`). The in-memory adapter has none and answers
    /// [`AdapterError::Unsupported`](crate::adapter::AdapterError).
    pub fn server_side_emit(&self) -> I::Emitter<ServerSideEmit> {
        I::emitter(ServerSideEmit { ns: self.0.clone() })
    }
}

/// The target of a typed [`Namespace::server_side_emit`]: the other servers of the cluster.
pub struct ServerSideEmit {
    ns: Arc<NamespaceInner>,
}

impl fmt::Debug for ServerSideEmit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerSideEmit")
            .field("nsp", &self.ns.name)
            .finish()
    }
}

impl ServerSideEmit {
    fn emit_untyped<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<(), crate::adapter::AdapterError> {
        let packet = encode::event(&self.ns.name, event, args, None)
            .map_err(|_| crate::adapter::AdapterError::Unsupported("non-JSON serverSideEmit()"))?;
        self.ns.adapter().server_side_emit(&packet)
    }
}

impl EmitTarget for ServerSideEmit {
    type Emitted = Result<(), crate::adapter::AdapterError>;
    /// Answers from the other servers are not collected yet: no adapter here forwards
    /// `serverSideEmitWithAck`.
    type Acked<T: DeserializeOwned + Send + 'static> =
        std::future::Ready<Result<Vec<T>, crate::adapter::AdapterError>>;

    fn emit_event<A: Serialize + ?Sized>(&self, event: &'static str, args: &A) -> Self::Emitted {
        self.emit_untyped(event, args)
    }

    fn emit_event_with_ack<A: Serialize + ?Sized, T: DeserializeOwned + Send + 'static>(
        &self,
        _event: &'static str,
        _args: &A,
    ) -> Self::Acked<T> {
        std::future::ready(Err(crate::adapter::AdapterError::Unsupported(
            "serverSideEmitWithAck()",
        )))
    }
}
