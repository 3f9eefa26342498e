//! Leaving the namespace: disconnecting from the server side, and the end of a socket whatever
//! its reason (hooks, its session kept for recovery, rooms and acknowledgements cleaned).

use super::{DisconnectReason, Socket, is_recoverable};
use crate::adapter::{PersistedSession, SessionData};
use crate::handler;
use crate::protocol::socketio::{encode, packet::PacketType};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;

impl<C: ?Sized + 'static, S: ?Sized + 'static, D: 'static> Socket<C, S, D> {
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

    pub(crate) fn set_connected(&self) {
        self.0.connected.store(true, Ordering::Release);
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
            handler::call("disconnecting", &me, || hook(&me, reason));
        }
        if let Some(pid) = &self.0.pid
            && is_recoverable(reason)
        {
            self.persist(pid);
        }
        self.0.ns.remove(&me);
        self.0.client.remove(&me);
        // Dropping the senders fails every pending `emit_with_ack` with `Disconnected`.
        self.0.acks.lock().expect("acks lock").clear();
        crate::metrics::socket_disconnected(self.ns());
        tracing::info!(sid = %self.0.id, nsp = self.ns(), %reason, "socket disconnected");
        let handlers = std::mem::take(&mut *self.0.disconnect.write().expect("hooks lock"));
        for h in handlers {
            let span =
                tracing::debug_span!("disconnect", sid = %self.0.id, nsp = self.ns(), %reason);
            handler::run(h(me.clone(), reason), span, me.on_panic("disconnect"));
        }
        // The socket is gone: its handlers (and what they hold) can go too.
        self.0.handlers.write().expect("handlers lock").clear();
        self.0.any.write().expect("any lock").clear();
        self.0.any_outgoing.write().expect("any lock").clear();
        self.0.disconnecting.write().expect("hooks lock").clear();
    }

    /// Hands the socket's session to the adapter, its data serialized and kept as it is.
    fn persist(&self, pid: &crate::protocol::Str) {
        let adapter = self.0.ns.adapter();
        let value = match self.0.ns.server.upgrade() {
            Some(server) => server.data.serialize(&self.0.data),
            None => Default::default(),
        };
        let local: Arc<dyn std::any::Any + Send + Sync> = self.0.data.clone();
        adapter.persist_session(PersistedSession {
            sid: self.0.id.clone(),
            pid: pid.clone(),
            rooms: adapter.socket_rooms(&self.0.id).into_iter().collect(),
            data: SessionData::with_local(value, local),
            since: self.0.since.get().cloned(),
            presented: self.0.presented.clone(),
        });
    }
}
