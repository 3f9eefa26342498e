//! Typed broadcasts: the typed `emit()` of a [`BroadcastOperator`] and of a
//! [`RemoteSocket`], and the operator as an [`EmitTarget`].

use crate::ack::BroadcastAckFuture;
use crate::broadcast::BroadcastOperator;
use crate::remote::RemoteSocket;
use crate::socket::EmitError;
use crate::typed::{EmitTarget, Events, Untyped};
use serde::Serialize;
use serde::de::DeserializeOwned;

impl<C: ?Sized + 'static, S: ?Sized + Events, D: 'static> BroadcastOperator<C, S, D> {
    /// The events of `S`, one method each, emitted to every selected socket; those with an
    /// acknowledgement resolve to every socket's answer, decoded into the declared type.
    pub fn emit(self) -> S::Emitter<Self> {
        S::emitter(crate::typed::Via::new(self))
    }
}

impl<C: ?Sized + 'static, S: ?Sized + 'static, D: 'static> EmitTarget
    for BroadcastOperator<C, S, D>
{
    type Inbound = C;
    type Emitted = Result<(), EmitError>;
    type Acked<T: DeserializeOwned + Send + 'static> = BroadcastAckFuture<T>;

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
        self.emit_with_ack_untyped(event, args).decoded()
    }
}

impl<S: ?Sized + Events, D: 'static> RemoteSocket<S, D> {
    /// The events of `S`, one method each, emitted to this socket.
    pub fn emit(&self) -> S::Emitter<BroadcastOperator<Untyped, S, D>> {
        S::emitter(crate::typed::Via::new(self.only_for_typed()))
    }
}
