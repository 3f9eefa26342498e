//! [`ServerSideEmit`]: events for the other servers of the cluster (`serverSideEmit`), beside
//! the broadcasts to clients.

use crate::adapter::{AdapterError, BoxFuture, ServerSideReply};
use crate::namespace::NamespaceInner;
use crate::protocol::socketio::{Args, Value, encode};
use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// The target of a typed [`Namespace::server_side_emit`](crate::Namespace::server_side_emit): the other servers of the cluster.
pub struct ServerSideEmit {
    pub(crate) ns: Arc<NamespaceInner>,
}

impl fmt::Debug for ServerSideEmit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerSideEmit")
            .field("nsp", &self.ns.name)
            .finish()
    }
}

impl ServerSideEmit {
    pub(crate) fn new(ns: Arc<NamespaceInner>) -> Self {
        ServerSideEmit { ns }
    }

    /// `[event, ...args]`, what the other servers receive.
    fn data<T: Serialize + ?Sized>(event: &str, args: &T) -> Result<Args, AdapterError> {
        let args = encode::to_args(args).map_err(|e| AdapterError::Encode(e.to_string()))?;
        Ok(std::iter::once(Value::from(event))
            .chain(args.iter())
            .collect())
    }

    pub(crate) fn emit_untyped<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<(), AdapterError> {
        self.ns.adapter().server_side_emit(Self::data(event, args)?)
    }

    pub(crate) fn emit_with_ack_untyped<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> BoxFuture<Result<Vec<Args>, AdapterError>> {
        match Self::data(event, args) {
            Ok(data) => self
                .ns
                .adapter()
                .server_side_emit_with_ack(data, self.ns.ack_timeout()),
            Err(e) => Box::pin(std::future::ready(Err(e))),
        }
    }
}

/// Answers an event another server sent with `serverSideEmitWithAck`: the sender gets one
/// answer per server, this one among them. It answers once: `send` consumes it.
pub struct ServerSideAck(ServerSideReply);

impl fmt::Debug for ServerSideAck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ServerSideAck")
    }
}

impl ServerSideAck {
    pub(crate) fn new(reply: ServerSideReply) -> Self {
        ServerSideAck(reply)
    }

    /// Sends an answer already encoded.
    pub(crate) fn reply(self, answer: Args) {
        (self.0)(answer);
    }

    /// Sends this server's answer (one value: the reference passes the first argument on).
    pub fn send<T: Serialize + ?Sized>(self, answer: &T) -> Result<(), AdapterError> {
        let answer =
            encode::to_args(&(answer,)).map_err(|e| AdapterError::Encode(e.to_string()))?;
        (self.0)(answer);
        Ok(())
    }
}

/// An event from another server, to the handler registered for its name.
pub(crate) fn dispatch(ns: &NamespaceInner, data: Args, ack: Option<ServerSideReply>) {
    let Some(event) = data
        .iter()
        .next()
        .and_then(|v| v.as_str().map(str::to_owned))
    else {
        tracing::debug!(nsp = %ns.name, "a server-side event without a name");
        return;
    };
    let handler = ns
        .hooks
        .server_side
        .read()
        .expect("hooks lock")
        .get(&event)
        .cloned();
    let Some(handler) = handler else {
        tracing::trace!(nsp = %ns.name, %event, "no handler for this server-side event");
        return;
    };
    let nsp = ns.name.clone();
    let span = tracing::debug_span!("server_side_event", nsp = %nsp, event = %event);
    crate::handler::run(
        handler(data.slice(1..), ack.map(ServerSideAck::new)),
        span,
        move |panic| {
            tracing::error!(%nsp, %event, panic, "a server-side event handler panicked");
        },
    );
}

#[cfg(test)]
mod tests {
    use crate::Server;
    use crate::adapter::AdapterError;

    #[tokio::test]
    async fn the_memory_adapter_has_no_other_servers() {
        let io = Server::new(Default::default());
        let ns = io.of("/");
        assert!(matches!(
            ns.server_side_emit("hello", &1),
            Err(AdapterError::Unsupported(_))
        ));
        assert!(matches!(
            ns.server_side_emit_with_ack("hello", &()).await,
            Err(AdapterError::Unsupported(_))
        ));
        assert_eq!(ns.adapter().server_count().await, 1);
    }
}
