//! The typed server: its typed `emit()` to the main namespace.

use crate::broadcast::BroadcastOperator;
use crate::server::Server;
use crate::typed::Events;

impl<C: ?Sized + 'static, S: ?Sized + Events, I: ?Sized + 'static, D: 'static> Server<C, S, I, D> {
    /// The events of `S`, one method each, emitted to every socket of the main namespace.
    pub fn emit(&self) -> S::Emitter<BroadcastOperator<C, S, D>> {
        S::emitter(crate::typed::Via::new(self.broadcast()))
    }
}
