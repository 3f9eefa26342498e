//! [`SocketTimeout`]: an emit with an acknowledgement, with its own timeout.

use super::Socket;
use crate::ack::AckFuture;
use crate::typed::{Extensions, Untyped};
use serde::Serialize;
use std::fmt;
use std::time::Duration;

/// [`Socket::timeout`]: an emit with an acknowledgement, with its own timeout.
pub struct SocketTimeout<'a, C: ?Sized = Untyped, S: ?Sized = Untyped, D = Extensions> {
    pub(crate) socket: &'a Socket<C, S, D>,
    pub(crate) timeout: Duration,
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

impl<C: ?Sized + 'static, S: ?Sized + 'static, D: 'static> Socket<C, S, D> {
    /// Sets the acknowledgement timeout of the next emit with an acknowledgement.
    pub fn timeout(&self, timeout: Duration) -> SocketTimeout<'_, C, S, D> {
        SocketTimeout {
            socket: self,
            timeout,
        }
    }
}
