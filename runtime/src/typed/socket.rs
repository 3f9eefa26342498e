//! The typed socket: its typed `emit()`, `on()` and `handle()`, handlers that decode their
//! arguments into the declared types (and report those that do not), and the socket (and its
//! [`SocketTimeout`]) as an [`EmitTarget`].

use crate::ack::{AckFuture, AckSender};
use crate::handler::{self, EventHandler};
use crate::protocol::Str;
use crate::protocol::socketio::Args;
use crate::socket::{EmitError, EventError, Socket, SocketTimeout};
use crate::typed::{EmitTarget, EventArgs, Events, HandledBy};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::sync::Arc;

impl<C: ?Sized + 'static, S: ?Sized + 'static, D: 'static> Socket<C, S, D> {
    /// Registers a typed handler: used by the code `#[events]` generates.
    pub(crate) fn on_typed<A, F, Fut>(&self, event: &'static str, handler: F)
    where
        A: EventArgs,
        F: Fn(Self, A, Option<AckSender>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handler: EventHandler =
            Arc::new(move |s: Socket, args: Args, ack| match A::decode(&args) {
                Ok(a) => Box::pin(handler(s.cast(), a, ack)),
                Err(e) => {
                    s.event_error(EventError::new(Str::from(event), args, e), ack);
                    Box::pin(std::future::ready(()))
                }
            });
        self.register_handler(Str::from(event), handler);
    }
}

impl Socket {
    /// Arguments that do not match their declared types: logged, given to the namespace's hook,
    /// and answered with an error if the client asked for an acknowledgement.
    fn event_error(&self, error: EventError, ack: Option<AckSender>) {
        // The event, then what is wrong with its arguments (which says it all: serde's own
        // error below it would repeat it, with a position in JSON the client never sent).
        let mut detail = error.to_string();
        if let Some(reason) = std::error::Error::source(&error) {
            detail.push_str(": ");
            detail.push_str(&reason.to_string());
        }
        tracing::warn!(sid = %self.0.id, nsp = self.ns(), "{detail}");
        if let Some(ack) = ack {
            let _ = ack.send(&(serde_json::json!({ "error": detail }),));
        }
        if let Some(hook) = self.0.ns.hooks.event_error() {
            handler::call("on_event_error", self, || hook(self, &error));
        }
    }
}

impl<C: ?Sized + 'static, S: ?Sized + 'static, D: 'static> EmitTarget for Socket<C, S, D> {
    type Inbound = C;
    type Emitted = Result<(), EmitError>;
    type Acked<T: DeserializeOwned + Send + 'static> = AckFuture<T>;

    fn emit_event<A: Serialize + ?Sized>(
        &self,
        _: crate::typed::Sealed,
        event: &'static str,
        args: &A,
    ) -> Self::Emitted {
        self.emit_untyped(event, args)
    }

    fn emit_event_with_ack<A: Serialize + ?Sized, T: DeserializeOwned + Send + 'static>(
        &self,
        _: crate::typed::Sealed,
        event: &'static str,
        args: &A,
    ) -> Self::Acked<T> {
        let timeout = self.0.ns.ack_timeout();
        self.emit_with_ack_within(event, args, timeout).decoded()
    }
}

impl<C: ?Sized + 'static, S: ?Sized + Events, D: 'static> Socket<C, S, D> {
    /// The events of `S` this socket can be sent, one method each, with their argument and
    /// acknowledgement types: `socket.emit().chat_message("ann", "hi")`.
    pub fn emit(&self) -> S::Emitter<&Self> {
        S::emitter(crate::typed::Via::new(self))
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

    /// The events of `C`, one method each removing its handler:
    /// `socket.off().chat_message()`.
    pub fn off(&self) -> C::Off<S, D> {
        C::off(self.clone())
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

impl<C: ?Sized + 'static, S: ?Sized + Events, D: 'static> SocketTimeout<'_, C, S, D> {
    /// The events of `S`, as [`Socket::emit`]; those with an acknowledgement wait at most this
    /// timeout.
    pub fn emit(self) -> S::Emitter<Self> {
        S::emitter(crate::typed::Via::new(self))
    }
}

impl<C: ?Sized + 'static, S: ?Sized + 'static, D: 'static> EmitTarget
    for SocketTimeout<'_, C, S, D>
{
    type Inbound = C;
    type Emitted = Result<(), EmitError>;
    type Acked<T: DeserializeOwned + Send + 'static> = AckFuture<T>;

    fn emit_event<A: Serialize + ?Sized>(
        &self,
        _: crate::typed::Sealed,
        event: &'static str,
        args: &A,
    ) -> Self::Emitted {
        self.socket.emit_untyped(event, args)
    }

    fn emit_event_with_ack<A: Serialize + ?Sized, T: DeserializeOwned + Send + 'static>(
        &self,
        _: crate::typed::Sealed,
        event: &'static str,
        args: &A,
    ) -> Self::Acked<T> {
        self.socket
            .emit_with_ack_within(event, args, self.timeout)
            .decoded()
    }
}
