//! What the code `#[events]` generates refers to. Not a public API: it may change in any
//! release.

pub use crate::ack::AckSender;
pub use crate::typed::{
    Ack, EmitTarget, EventArgs, EventType, Events, Extensions, HandledBy, Misdirect, NotEmitted,
    NotHandled, Untyped, Via,
};
pub use crate::typed::{Arg, arg};
pub use crate::{Socket, events};
pub use serde::de::DeserializeOwned;
pub use serde::{Serialize, Serializer};
pub use std::future::Future;
pub use std::marker::{Send, Sized, Sync};
pub use std::sync::Arc;

/// Registers the handler of a typed event: its arguments decode into `A` before `handler`
/// runs; if they do not, the namespace's event error hook runs instead.
pub fn on_event<C, S, D, A, F, Fut>(socket: &Socket<C, S, D>, event: &'static str, handler: F)
where
    C: ?Sized + 'static,
    S: ?Sized + 'static,
    D: 'static,
    A: EventArgs,
    F: Fn(Socket<C, S, D>, A, Option<AckSender>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    socket.on_typed(event, handler)
}

/// Removes the handler of a typed event.
pub fn off_event<C, S, D>(socket: &Socket<C, S, D>, event: &'static str)
where
    C: ?Sized + 'static,
    S: ?Sized + 'static,
    D: 'static,
{
    socket.remove_handler(event)
}

/// A byte argument (`Vec<u8>`, `bytes::Bytes`) sent as a binary attachment.
#[derive(Debug, Clone, Copy)]
pub struct Binary<'a>(pub &'a [u8]);

impl Serialize for Binary<'_> {
    fn serialize<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        s.serialize_bytes(self.0)
    }
}

/// A namespace, as the typed handlers of inter-server events register on it.
#[derive(Clone)]
pub struct ServerSideTarget(pub(crate) Arc<crate::namespace::NamespaceInner>);

impl std::fmt::Debug for ServerSideTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerSideTarget")
    }
}

pub use crate::ServerSideAck;

/// Registers the handler of inter-server event `event`, which decodes its arguments into `A`
/// (arguments that do not are logged, and the handler is not called).
pub fn on_server_event<A, F, Fut>(target: &ServerSideTarget, event: &'static str, handler: F)
where
    A: EventArgs,
    F: Fn(A, Option<ServerSideAck>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let handler: crate::handler::ServerSideHandler =
        Arc::new(move |args, ack| match A::decode(&args) {
            Ok(a) => Box::pin(handler(a, ack)),
            Err(e) => {
                tracing::warn!(event, error = %e, "an inter-server event with invalid arguments");
                Box::pin(std::future::ready(()))
            }
        });
    target
        .0
        .hooks
        .server_side
        .write()
        .expect("hooks lock")
        .insert(event.to_owned(), handler);
}
