//! Events from the socket's client: handlers, catch-all listeners, the events held back while
//! the connection handlers run, and acknowledgements of the server's emits.

use super::Socket;
use crate::ack::AckSender;
use crate::handler::{self, EventHandler};
use crate::protocol::Str;
use crate::protocol::socketio::Args;
use crate::socket::EventError;
use crate::typed::Untyped;
use std::future::Future;
use std::sync::Arc;

impl<C: ?Sized + 'static, S: ?Sized + 'static, D: 'static> Socket<C, S, D> {
    /// Registers the untyped handler of `event`, replacing any previous one.
    pub(crate) fn register_handler(&self, event: Str, handler: EventHandler) {
        self.0
            .handlers
            .write()
            .expect("handlers lock")
            .insert(event, handler);
    }

    /// Removes the handler of `event`.
    pub(crate) fn remove_handler(&self, event: &str) {
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
            handler::call("on_any", &me, || l(&me, &name, &args));
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
        let on_panic = {
            // The arguments go to the handler: a copy is kept only for a hook to see.
            let kept = self.0.ns.hooks.has_event_error().then(|| args.clone());
            let (me, name) = (me.clone(), name.clone());
            move |panic: &str| on_handler_panic(&me, name, kept.unwrap_or_default(), panic)
        };
        let span =
            tracing::debug_span!("event", sid = %self.0.id, nsp = %self.0.ns.name, event = %name);
        handler::run(handler(me, args, ack), span, on_panic);
    }

    /// What a connection or disconnection handler of this socket runs on a panic.
    pub(crate) fn on_panic(&self, what: &'static str) -> impl FnOnce(&str) + Send + 'static {
        let (sid, nsp) = (self.0.id.clone(), self.0.ns.name.clone());
        move |panic| tracing::error!(%sid, %nsp, panic, "a {what} handler panicked")
    }

    /// How many acknowledgements this socket's server waits for from the client.
    pub(crate) fn pending_acks(&self) -> usize {
        self.0.acks.lock().expect("acks lock").len()
    }

    /// An acknowledgement from the client.
    pub(crate) fn on_ack(&self, id: u64, args: Args) {
        if let Some(tx) = self.0.acks.lock().expect("acks lock").remove(&id) {
            let _ = tx.send(args);
        }
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

    /// Removes the handler of `event`. (A typed socket has `socket.off().event_name()`.)
    pub fn off(&self, event: &str) {
        self.remove_handler(event)
    }
}

/// An event handler that panicked: logged with the socket and the event, and given to the
/// namespace's event-error hook. The socket goes on (its other handlers did nothing wrong); an
/// acknowledgement the client asked for is not sent.
fn on_handler_panic(socket: &Socket, event: Str, args: Args, panic: &str) {
    tracing::error!(
        sid = %socket.id(),
        nsp = socket.ns(),
        %event,
        panic,
        "an event handler panicked"
    );
    if let Some(hook) = socket.0.ns.hooks.event_error() {
        let error = EventError::panicked(event, args, panic);
        handler::call("on_event_error", socket, || hook(socket, &error));
    }
}
