//! [`SocketTimeout`]: an emit with an acknowledgement, with its own timeout.

use super::{EmitError, Socket};
use crate::ack::AckFuture;
use crate::typed::{EmitTarget, Events, Extensions, Untyped};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::time::Duration;

/// [`Socket::timeout`]: an emit with an acknowledgement, with its own timeout.
pub struct SocketTimeout<'a, C: ?Sized = Untyped, S: ?Sized = Untyped, D = Extensions> {
    pub(super) socket: &'a Socket<C, S, D>,
    pub(super) timeout: Duration,
}

impl<C: ?Sized, S: ?Sized, D> fmt::Debug for SocketTimeout<'_, C, S, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SocketTimeout")
            .field("socket", &self.socket.0.id)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl<C: ?Sized + 'static, D: 'static> SocketTimeout<'_, C, Untyped, D> {
    /// Emits and waits at most this timeout for the acknowledgement.
    pub fn emit_with_ack<T: Serialize + ?Sized>(&self, event: &str, args: &T) -> AckFuture {
        self.socket.emit_with_ack_within(event, args, self.timeout)
    }
}

impl<C: ?Sized + 'static, S: ?Sized + Events, D: 'static> SocketTimeout<'_, C, S, D> {
    /// The events of `S`, as [`Socket::emit`]; those with an acknowledgement wait at most this
    /// timeout.
    pub fn emit(self) -> S::Emitter<Self> {
        S::emitter(self)
    }
}

impl<C: ?Sized + 'static, S: ?Sized + 'static, D: 'static> EmitTarget
    for SocketTimeout<'_, C, S, D>
{
    type Emitted = Result<(), EmitError>;
    type Acked<T: DeserializeOwned + Send + 'static> = AckFuture<T>;

    fn emit_event<A: Serialize + ?Sized>(&self, event: &'static str, args: &A) -> Self::Emitted {
        self.socket.emit_untyped(event, args)
    }

    fn emit_event_with_ack<A: Serialize + ?Sized, T: DeserializeOwned + Send + 'static>(
        &self,
        event: &'static str,
        args: &A,
    ) -> Self::Acked<T> {
        self.socket
            .emit_with_ack_within(event, args, self.timeout)
            .decoded()
    }
}
