//! Emitting to the socket's own client, with and without acknowledgement.

use super::{EmitError, Socket, check_event};
use crate::ack::AckFuture;
use crate::client::Client;
use crate::handler;
use crate::protocol::socketio::{Args, EncodedPacket, encode};
use crate::typed::Untyped;
use serde::Serialize;
use std::time::Duration;
use tokio::sync::oneshot;

impl<C: ?Sized + 'static, S: ?Sized + 'static, D: 'static> Socket<C, S, D> {
    pub(crate) fn emit_untyped<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<(), EmitError> {
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

    pub(crate) fn emit_with_ack_within<T: Serialize + ?Sized>(
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
        AckFuture::waiting(rx, timeout, self.0.ns.name.clone())
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
        let args = encode::event_args(packet);
        let me = self.cast();
        for l in listeners {
            handler::call("on_any_outgoing", &me, || l(&me, event, &args));
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
