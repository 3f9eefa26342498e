//! [`Namespace`]: a channel of the server, with its sockets, middlewares and adapter.
//!
//! The public handle is here; its state and the adapter's view of it are in `inner.rs`, the
//! admission of a socket (with connection state recovery) in `admission.rs`, and what runs
//! for each new socket in `hooks.rs`.

mod admission;
mod hooks;
mod inner;
mod local_side;
#[cfg(test)]
mod tests;

pub(crate) use hooks::Hooks;
pub use hooks::MiddlewareError;
pub(crate) use inner::{Identity, Joining, NamespaceInner};

use crate::adapter::{Adapter, IntoRooms, Room};
use crate::broadcast::BroadcastOperator;
use crate::protocol::Str;
use crate::server_side_emit::ServerSideEmit;
use crate::socket::{EventError, Socket, SocketId};
use crate::typed::{Extensions, Untyped};
use serde::Serialize;
use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

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

    /// Sets the hook called when an event cannot be handled:
    /// - a typed event arrives with arguments that do not match its declared types: the
    ///   handler is not called, and a client that asked for an acknowledgement gets one
    ///   argument, `{"error": "<why>"}` (logged at `warn`);
    /// - an event handler panics (sync or after an `await`): the panic is caught, logged at
    ///   `error` with the socket, the namespace and the event, and the hook gets it with the
    ///   arguments as received ([`EventError::panic_message`]); no acknowledgement is sent.
    ///
    /// The socket stays connected either way, and nothing else is affected. Without a hook,
    /// both are only logged.
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

impl<C: ?Sized + 'static, S: ?Sized + 'static, D: 'static> Namespace<C, S, Untyped, D> {
    /// Emits an event to the other servers of the cluster (`serverSideEmit`). The in-memory
    /// adapter has none and answers [`AdapterError::Unsupported`](crate::adapter::AdapterError).
    pub fn server_side_emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<(), crate::adapter::AdapterError> {
        ServerSideEmit::new(self.0.clone()).emit_untyped(event, args)
    }

    /// Emits an event to the other servers of the cluster and resolves with their answers,
    /// one per server, within the server's `ack_timeout` (`serverSideEmitWithAck`). The
    /// in-memory adapter has no other servers and answers
    /// [`AdapterError::Unsupported`](crate::adapter::AdapterError).
    pub fn server_side_emit_with_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> impl Future<Output = Result<Vec<crate::Args>, crate::adapter::AdapterError>> + Send + 'static
    {
        ServerSideEmit::new(self.0.clone()).emit_with_ack_untyped(event, args)
    }

    /// Registers the handler of `event` when another server of the cluster sends it
    /// (`io.on(event)` for `serverSideEmit` in the reference), replacing any previous one. It
    /// receives the arguments, and a [`ServerSideAck`](crate::ServerSideAck) when the sender
    /// waits for every server's answer. A server does not receive its own events.
    pub fn on_server_side_emit<F, Fut>(&self, event: &str, handler: F) -> &Self
    where
        F: Fn(crate::Args, Option<crate::ServerSideAck>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handler: crate::handler::ServerSideHandler =
            Arc::new(move |args, ack| Box::pin(handler(args, ack)));
        self.0
            .hooks
            .server_side
            .write()
            .expect("hooks lock")
            .insert(event.to_owned(), handler);
        self
    }
}
