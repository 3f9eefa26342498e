//! The typed server: its constructor and its typed `emit()` to the main namespace.

use crate::broadcast::BroadcastOperator;
use crate::server::{Server, ServerConfig};
use crate::typed::{EventSet, Events};
use serde::Serialize;
use serde::de::DeserializeOwned;

impl<
    C: ?Sized + 'static,
    S: ?Sized + 'static,
    I: ?Sized + 'static,
    D: Default + Serialize + DeserializeOwned + Send + 'static,
> Server<C, S, I, D>
{
    /// A server with these options and the events and data type of its type parameters (each
    /// socket's data starts as `D::default()`). The main namespace `/` exists from the start.
    /// Each event parameter is `dyn Trait` for a trait under `#[events]`, or `Untyped`.
    pub fn typed(config: ServerConfig) -> Self
    where
        // Bounds here rather than on the impl: rustc then reports the missing `EventSet`
        // with its own message, instead of "the function exists but its bounds fail".
        C: EventSet,
        S: EventSet,
        I: EventSet,
    {
        Server::with_config(config)
    }
}

impl<C: ?Sized + 'static, S: ?Sized + Events, I: ?Sized + 'static, D: 'static> Server<C, S, I, D> {
    /// The events of `S`, one method each, emitted to every socket of the main namespace.
    pub fn emit(&self) -> S::Emitter<BroadcastOperator<C, S, D>> {
        S::emitter(crate::typed::Via::new(self.broadcast()))
    }
}
