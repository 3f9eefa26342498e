//! The typed namespace: its typed `emit()` and `server_side_emit()`, and the other servers as
//! an [`EmitTarget`].

use crate::adapter::{AdapterError, BoxFuture};
use crate::broadcast::BroadcastOperator;
use crate::namespace::Namespace;
use crate::server_side_emit::ServerSideEmit;
use crate::typed::{EmitTarget, Events};
use serde::Serialize;
use serde::de::DeserializeOwned;

impl<C: ?Sized + 'static, S: ?Sized + Events, I: ?Sized + 'static, D: 'static>
    Namespace<C, S, I, D>
{
    /// The events of `S`, one method each, emitted to every socket of the namespace.
    pub fn emit(&self) -> S::Emitter<BroadcastOperator<C, S, D>> {
        S::emitter(crate::typed::Via::new(self.broadcast()))
    }
}

impl<C: ?Sized + 'static, S: ?Sized + 'static, I: ?Sized + Events, D: 'static>
    Namespace<C, S, I, D>
{
    /// The inter-server events of `I`, one method each, sent to the other servers of the
    /// cluster (`serverSideEmit`). The in-memory adapter has none and answers
    /// [`AdapterError::Unsupported`](crate::adapter::AdapterError).
    pub fn server_side_emit(&self) -> I::Emitter<ServerSideEmit> {
        I::emitter(crate::typed::Via::new(ServerSideEmit::new(self.0.clone())))
    }

    /// The inter-server events of `I`, one method each registering the handler run when
    /// another server of the cluster sends that event (`io.on(event)` for `serverSideEmit`):
    /// it receives the arguments decoded into their declared types, then an
    /// [`Ack`](crate::Ack) when the event declares one (answered to the sender, one answer
    /// per server).
    pub fn on_server_side(&self) -> I::ServerListeners {
        I::server_listeners(crate::__private::ServerSideTarget(self.0.clone()))
    }
}

impl EmitTarget for ServerSideEmit {
    type Inbound = crate::typed::Untyped;
    type Emitted = Result<(), AdapterError>;
    /// Every other server's answer, decoded into the declared type.
    type Acked<T: DeserializeOwned + Send + 'static> = BoxFuture<Result<Vec<T>, AdapterError>>;

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
        let answers = self.emit_with_ack_untyped(event, args);
        Box::pin(async move {
            answers
                .await?
                .iter()
                .map(|a| {
                    a.decode_arg(0).map_err(|e| {
                        AdapterError::Encode(format!("an answer does not decode: {e}"))
                    })
                })
                .collect()
        })
    }
}
