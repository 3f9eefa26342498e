//! What typed events plug into: the traits the `#[events]` macro implements, and the typed pieces
//! handlers receive.
//!
//! The typed layer has no code path of its own. [`Server`](crate::Server),
//! [`Namespace`](crate::Namespace), [`Socket`](crate::Socket) and
//! [`BroadcastOperator`](crate::BroadcastOperator) carry their event traits as type parameters
//! that exist only for the compiler (`PhantomData`); a typed `emit` encodes and sends exactly as
//! the untyped one does, and a typed handler is an untyped one that decodes its arguments into
//! the declared types before calling the user's code.
//!
//! A parameter is either [`Untyped`] (the default: events named by strings, arguments as
//! [`Args`]) or `dyn Trait` for a trait under `#[events]`, which implements [`Events`].

mod arg;
mod broadcast;
mod namespace;
mod server;
mod socket;

pub use arg::Arg;
#[doc(hidden)]
pub use arg::{As, arg};

use crate::ack::AckSender;
use crate::protocol::socketio::{Args, ArgsError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::marker::PhantomData;

/// The event parameter of a handle whose events are named by strings at run time: untyped
/// `emit("name", &args)` and `on("name", handler)`. The default of every event parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Untyped;

/// The data of an untyped socket (`socket.data` in the reference): a map holding one value per
/// type ([`http::Extensions`], which it dereferences to). Typed servers choose their own data
/// type instead.
///
/// Its entries stay on this node, whatever their type. What crosses to another node (fetched
/// by `fetch_sockets` there, or a session restored there) is its [`serde_json::Value`] entry,
/// if it has one: that is its serialized form, `null` without one.
///
/// ```
/// use socketry::Extensions;
/// #[derive(Clone)]
/// struct Session(u64);
///
/// let mut data = Extensions::new();
/// data.insert(Session(7)); // local only
/// data.insert(serde_json::json!({ "user": "ann" })); // crosses nodes
/// assert_eq!(serde_json::to_value(&data).unwrap()["user"], "ann");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Extensions(http::Extensions);

impl Extensions {
    /// An empty map.
    pub fn new() -> Self {
        Extensions::default()
    }
}

impl std::ops::Deref for Extensions {
    type Target = http::Extensions;
    fn deref(&self) -> &http::Extensions {
        &self.0
    }
}

impl std::ops::DerefMut for Extensions {
    fn deref_mut(&mut self) -> &mut http::Extensions {
        &mut self.0
    }
}

impl Serialize for Extensions {
    fn serialize<Z: serde::Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        match self.0.get::<serde_json::Value>() {
            Some(value) => value.serialize(s),
            None => s.serialize_unit(),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Extensions {
    fn deserialize<Z: serde::Deserializer<'de>>(d: Z) -> Result<Self, Z::Error> {
        let value = serde_json::Value::deserialize(d)?;
        let mut data = Extensions::new();
        if !value.is_null() {
            data.insert(value);
        }
        Ok(data)
    }
}

/// A set of events declared by an `#[events]` trait, implemented by the macro for
/// `dyn Trait`. The same set serves both directions; where it appears in
/// `Server<ClientToServer, ServerToClient, InterServer, Data>` decides whether a socket emits it
/// or handles it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a set of events",
    label = "expected `dyn Trait` for a trait under `#[socketry::events]`, or `Untyped`",
    note = "annotate the trait with `#[socketry::events]` and use it as `dyn Trait`"
)]
pub trait Events: 'static {
    /// The wire names of the events, in declaration order.
    const NAMES: &'static [&'static str];
    /// The generated `{Trait}Emitter`: one method per event, emitting to `T`.
    type Emitter<T: EmitTarget>;
    /// The generated `{Trait}Listeners`: one method per event, registering its handler on a
    /// socket whose server-to-client events are `S` and data `D`.
    type Listeners<S: ?Sized + 'static, D: Send + 'static>;
    /// The emitter for a target.
    fn emitter<T: EmitTarget>(target: Via<T>) -> Self::Emitter<T>;
    /// The listeners of a socket.
    fn listeners<S: ?Sized + 'static, D: Send + 'static>(
        socket: crate::Socket<Self, S, D>,
    ) -> Self::Listeners<S, D>;
    /// The generated `{Trait}Off`: one method per event, removing its handler from a socket.
    type Off<S: ?Sized + 'static, D: 'static>;
    /// What removes the handlers of a socket.
    fn off<S: ?Sized + 'static, D: 'static>(socket: crate::Socket<Self, S, D>) -> Self::Off<S, D>;
    /// The handlers of these events when another server of the cluster sends them.
    type ServerListeners;
    /// Registers handlers of these events from other servers on a namespace.
    fn server_listeners(target: crate::__private::ServerSideTarget) -> Self::ServerListeners;
}

/// What an event parameter of [`Server`](crate::Server) may be: `dyn Trait` for a trait under
/// `#[events]`, or [`Untyped`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a set of events",
    label = "expected `dyn Trait` for a trait under `#[socketry::events]`, or `Untyped`",
    note = "annotate the trait with `#[socketry::events]` (its methods then declare events, without `&self`)"
)]
pub trait EventSet: 'static {}

impl<T: Events + ?Sized> EventSet for T {}
impl EventSet for Untyped {}

/// Where a typed emit goes: a socket, a socket with a timeout, a broadcast, a remote socket, or
/// the other servers of a cluster. Each decides what an emit returns and what an emit with an
/// acknowledgement resolves to (one answer from a socket, every answer from a broadcast).
///
/// Only the emitters that `#[events]` generates send through it: its methods take a
/// [`Sealed`] token that socketry alone makes, so a typed handle offers no way to emit an
/// undeclared event (that is [`Socket::untyped`](crate::Socket::untyped)'s job).
pub trait EmitTarget {
    /// The events that come the other way (the socket's client-to-server events): an emitter
    /// names them only to say they cannot be emitted from here.
    type Inbound: ?Sized + 'static;
    /// What an emit returns.
    type Emitted;
    /// What an emit asking for an acknowledgement of type `T` returns.
    type Acked<T: DeserializeOwned + Send + 'static>;
    /// Emits `event` with `args` (spread like an untyped emit's).
    fn emit_event<A: Serialize + ?Sized>(
        &self,
        token: Sealed,
        event: &'static str,
        args: &A,
    ) -> Self::Emitted;
    /// Emits `event` with `args`, asking for an acknowledgement.
    fn emit_event_with_ack<A: Serialize + ?Sized, T: DeserializeOwned + Send + 'static>(
        &self,
        token: Sealed,
        event: &'static str,
        args: &A,
    ) -> Self::Acked<T>;
}

/// Where a typed handle sends a method call for an event that goes the other way (emitting an
/// event clients send, handling one the server sends): structs generated by `#[events]` with
/// one method per event, each an error that says which way the event goes.
#[doc(hidden)]
pub trait Misdirect: 'static {
    /// Emits of these events, refused.
    type Emit: 'static;
    /// Handlers of these events, refused.
    type Listen: 'static;
    /// The one value of [`Emit`](Self::Emit).
    fn emit() -> &'static Self::Emit;
    /// The one value of [`Listen`](Self::Listen).
    fn listen() -> &'static Self::Listen;
}

/// Never implemented: the bound of an emit of event `E`, which clients send.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{E}` is an event that clients send (of the client-to-server trait): the server does not emit it",
    label = "not an event the server sends",
    note = "handle it instead, with `socket.on().{E}(..)`; `emit()` offers the events of the server-to-client trait"
)]
pub trait NotEmitted<E> {}

/// Never implemented: the bound of a handler of event `E`, which the server sends.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{E}` is an event that the server sends (of the server-to-client trait): it does not come from clients",
    label = "not an event clients send",
    note = "emit it instead, with `socket.emit().{E}(..)`; `on()` offers the events of the client-to-server trait"
)]
pub trait NotHandled<E> {}

/// No events: what [`Untyped`] refuses (nothing, by name).
#[doc(hidden)]
#[derive(Debug)]
pub struct NoEvents;

impl Misdirect for Untyped {
    type Emit = NoEvents;
    type Listen = NoEvents;
    fn emit() -> &'static NoEvents {
        &NoEvents
    }
    fn listen() -> &'static NoEvents {
        &NoEvents
    }
}

/// What [`EmitTarget`]'s methods take: made by socketry alone.
#[derive(Debug, Clone, Copy)]
pub struct Sealed(());

/// The target of a generated emitter, which sends the declared events through it; made by
/// socketry alone (`socket.emit()` and the like), so that it holds only real targets.
pub struct Via<T>(T);

impl<T> Via<T> {
    pub(crate) fn new(target: T) -> Self {
        Via(target)
    }
}

impl<T> fmt::Debug for Via<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Via")
    }
}

impl<T: EmitTarget> Via<T> {
    /// Emits a declared event.
    pub fn emit_event<A: Serialize + ?Sized>(&self, event: &'static str, args: &A) -> T::Emitted {
        self.0.emit_event(Sealed(()), event, args)
    }

    /// Emits a declared event that asks for an acknowledgement of type `R`.
    pub fn emit_event_with_ack<A: Serialize + ?Sized, R: DeserializeOwned + Send + 'static>(
        &self,
        event: &'static str,
        args: &A,
    ) -> T::Acked<R> {
        self.0.emit_event_with_ack(Sealed(()), event, args)
    }
}

impl<X: EmitTarget + ?Sized> EmitTarget for &X {
    type Inbound = X::Inbound;
    type Emitted = X::Emitted;
    type Acked<T: DeserializeOwned + Send + 'static> = X::Acked<T>;
    fn emit_event<A: Serialize + ?Sized>(
        &self,
        token: Sealed,
        event: &'static str,
        args: &A,
    ) -> Self::Emitted {
        (**self).emit_event(token, event, args)
    }
    fn emit_event_with_ack<A: Serialize + ?Sized, T: DeserializeOwned + Send + 'static>(
        &self,
        token: Sealed,
        event: &'static str,
        args: &A,
    ) -> Self::Acked<T> {
        (**self).emit_event_with_ack(token, event, args)
    }
}

/// Registers every handler of `H` on a socket: implemented by the macro for `dyn Trait`, for
/// every type implementing the generated `{Trait}Handler`.
#[diagnostic::on_unimplemented(
    message = "`{H}` does not handle the events of `{Self}`",
    label = "`{H}` must implement the handler trait that `#[events]` generated for this trait",
    note = "for `trait Foo` under `#[events]`, implement `FooHandler<ServerEvents, Data>` for `{H}`"
)]
pub trait HandledBy<H, S: ?Sized, D> {
    /// Registers one handler per event, each calling `handler`.
    fn register(handler: std::sync::Arc<H>, socket: &crate::Socket<Self, S, D>);
}

/// The acknowledgement of a typed event: the client asked for an answer of type `T`.
///
/// If the client did not ask for one (it emitted without a callback), [`send`](Self::send)
/// does nothing.
#[must_use = "the client waits for this acknowledgement"]
pub struct Ack<T: ?Sized> {
    sender: Option<AckTo>,
    _type: PhantomData<fn(&T)>,
}

/// Who waits for an [`Ack`]: a client, or another server of the cluster.
enum AckTo {
    Client(AckSender),
    Server(crate::ServerSideAck),
}

impl<T: ?Sized> fmt::Debug for Ack<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = match &self.sender {
            Some(AckTo::Client(sender)) => Some(sender.id()),
            _ => None,
        };
        f.debug_struct("Ack")
            .field("id", &id)
            .field("server", &matches!(self.sender, Some(AckTo::Server(_))))
            .finish()
    }
}

impl<T: Serialize + ?Sized + 'static> Ack<T> {
    /// The acknowledgement of an event that came with this sender.
    pub fn new(sender: Option<AckSender>) -> Self {
        Ack {
            sender: sender.map(AckTo::Client),
            _type: PhantomData,
        }
    }

    /// The answer to an event from another server that waits for one.
    pub fn server_side(sender: Option<crate::ServerSideAck>) -> Self {
        Ack {
            sender: sender.map(AckTo::Server),
            _type: PhantomData,
        }
    }

    /// Whether the sender asked for an acknowledgement.
    pub fn requested(&self) -> bool {
        self.sender.is_some()
    }

    /// Answers with `value`, as the acknowledgement's one argument (`Ack<()>` answers with
    /// none, as a JavaScript callback called without arguments).
    pub fn send(self, value: &T) -> Result<(), crate::EmitError> {
        let unit = std::any::TypeId::of::<T>() == std::any::TypeId::of::<()>();
        match self.sender {
            None => Ok(()),
            Some(AckTo::Client(sender)) if unit => sender.send(&()),
            Some(AckTo::Client(sender)) => sender.send(&(value,)),
            Some(AckTo::Server(sender)) => {
                let answer = if unit {
                    crate::protocol::socketio::encode::to_args(&())?
                } else {
                    crate::protocol::socketio::encode::to_args(&(value,))?
                };
                sender.reply(answer);
                Ok(())
            }
        }
    }
}

/// A type that can be an event's argument or acknowledgement: it crosses the network as JSON
/// (or as binary attachments for its bytes), both ways.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an event argument or acknowledgement",
    label = "this type must implement `Serialize` and `DeserializeOwned`, and be `Send + 'static`",
    note = "derive them: `#[derive(serde::Serialize, serde::Deserialize)]` on `{Self}`"
)]
pub trait EventType: Serialize + DeserializeOwned + Send + 'static {}

#[diagnostic::do_not_recommend]
impl<T: Serialize + DeserializeOwned + Send + 'static> EventType for T {}

/// The arguments of a typed event, decoded into a tuple of the declared types.
///
/// Argument `i` decodes into the tuple's element `i`. Tuples of up to
/// [`MAX_EVENT_ARGS`](crate::protocol::MAX_EVENT_ARGS) (12) elements are events' arguments;
/// `#[events]` rejects an event with more (group some in a struct). A missing trailing argument decodes as
/// JSON `null` (so an `Option` may be left out, as a JavaScript client leaves out `undefined`);
/// extra arguments are an error, like any other mismatch.
pub trait EventArgs: Sized + Send + 'static {
    /// Decodes the arguments.
    fn decode(args: &Args) -> Result<Self, ArgsError>;
}

macro_rules! event_args {
    ($n:expr; $($t:ident $i:tt),*) => {
        impl<$($t: DeserializeOwned + Send + 'static),*> EventArgs for ($($t,)*) {
            #[allow(unused_variables)]
            fn decode(args: &Args) -> Result<Self, ArgsError> {
                if args.len() > $n {
                    return Err(ArgsError::Extra { expected: $n, got: args.len() });
                }
                Ok(($(args.decode_arg::<$t>($i)?,)*))
            }
        }
    };
}

event_args!(0;);
event_args!(1; A 0);
event_args!(2; A 0, B 1);
event_args!(3; A 0, B 1, C 2);
event_args!(4; A 0, B 1, C 2, E 3);
event_args!(5; A 0, B 1, C 2, E 3, F 4);
event_args!(6; A 0, B 1, C 2, E 3, F 4, G 5);
event_args!(7; A 0, B 1, C 2, E 3, F 4, G 5, H 6);
event_args!(8; A 0, B 1, C 2, E 3, F 4, G 5, H 6, I 7);
event_args!(9; A 0, B 1, C 2, E 3, F 4, G 5, H 6, I 7, J 8);
event_args!(10; A 0, B 1, C 2, E 3, F 4, G 5, H 6, I 7, J 8, K 9);
event_args!(11; A 0, B 1, C 2, E 3, F 4, G 5, H 6, I 7, J 8, K 9, L 10);
event_args!(12; A 0, B 1, C 2, E 3, F 4, G 5, H 6, I 7, J 8, K 9, L 10, M 11);
const _: () = assert!(
    crate::protocol::MAX_EVENT_ARGS == 12,
    "one event_args! per arity"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_args_decode_by_position() {
        let args = Args::from_json(r#"[1,"x"]"#).unwrap();
        let (n, s): (u32, String) = EventArgs::decode(&args).unwrap();
        assert_eq!((n, s.as_str()), (1, "x"));
        let (n, s, o): (u32, String, Option<bool>) = EventArgs::decode(&args).unwrap();
        assert_eq!((n, s.as_str(), o), (1, "x", None));
        assert!(<(u32,)>::decode(&args).is_err(), "an extra argument");
        assert!(<(String, String)>::decode(&args).is_err(), "a wrong type");
        assert!(
            <(u32, String, u8)>::decode(&args).is_err(),
            "a missing argument"
        );
        assert!(<()>::decode(&Args::default()).is_ok());
    }
}
