//! How user handlers are stored and run.
//!
//! A handler's future is polled once right away, on the task that read the packet, so that the
//! synchronous start of every handler runs in the order the packets arrived (as in Node, where a
//! listener runs until its first `await`). If it is not finished then, it goes on in a task of
//! its own: a slow handler delays nobody, and a panicking one is logged and contained.

use crate::ack::AckSender;
use crate::protocol::socketio::Args;
use crate::socket::{DisconnectReason, Socket};
use futures_util::FutureExt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

pub(crate) type EventHandler =
    Arc<dyn Fn(Socket, Args, Option<AckSender>) -> BoxFuture<()> + Send + Sync>;
pub(crate) type ConnectionHandler = Arc<dyn Fn(Socket) -> BoxFuture<()> + Send + Sync>;
pub(crate) type Middleware =
    Arc<dyn Fn(Socket) -> BoxFuture<Result<(), crate::MiddlewareError>> + Send + Sync>;
pub(crate) type DisconnectHandler =
    Arc<dyn Fn(Socket, DisconnectReason) -> BoxFuture<()> + Send + Sync>;
pub(crate) type DisconnectingHandler = Arc<dyn Fn(&Socket, DisconnectReason) + Send + Sync>;
pub(crate) type AnyHandler = Arc<dyn Fn(&Socket, &str, &Args) + Send + Sync>;
/// A handler of events from the other servers (`io.on("event")` for `serverSideEmit`).
pub(crate) type ServerSideHandler = Arc<
    dyn Fn(Args, Option<crate::server_side_emit::ServerSideAck>) -> BoxFuture<()> + Send + Sync,
>;

/// Runs a handler's future as described in the module docs.
pub(crate) fn run(mut fut: BoxFuture<()>, what: &'static str) {
    let mut cx = Context::from_waker(Waker::noop());
    match std::panic::catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(&mut cx))) {
        Ok(Poll::Ready(())) => {}
        // Spawning polls it again with a real waker, so nothing it waits for is missed.
        Ok(Poll::Pending) => {
            tokio::spawn(async move {
                if AssertUnwindSafe(fut).catch_unwind().await.is_err() {
                    tracing::error!("a {what} handler panicked");
                }
            });
        }
        Err(_) => tracing::error!("a {what} handler panicked"),
    }
}

/// Calls a synchronous hook, containing a panic.
pub(crate) fn call(what: &'static str, f: impl FnOnce()) {
    if std::panic::catch_unwind(AssertUnwindSafe(f)).is_err() {
        tracing::error!("a {what} handler panicked");
    }
}

#[cfg(test)]
mod tests {
    use crate::harness::{TestClient, quick_config};
    use crate::{Server, Socket};
    use serde_json::json;

    #[tokio::test]
    async fn a_panicking_handler_is_contained_and_the_socket_goes_on() {
        let io = Server::new(quick_config());
        io.of("/").on_connection(|socket: Socket| async move {
            socket.on("boom", |_, _, _| async move { panic!("a handler's bug") });
            socket.on_any(|_, event, _| {
                if event == "boom-sync" {
                    panic!("a listener's bug");
                }
            });
            socket.on("ping", |socket, _, _| async move {
                let _ = socket.emit("pong", &());
            });
        });
        let mut c = TestClient::open(&io).await;
        c.connect("/", json!({})).await;
        c.emit(r#"["boom"]"#).await;
        c.emit(r#"["boom-sync"]"#).await;
        c.emit(r#"["ping"]"#).await;
        assert_eq!(c.event().await, json!(["pong"]));
    }
}
