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

/// What a panic says: its message, when it has one.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

/// Runs a handler's future as described in the module docs, in `span` (what it handles, for
/// the logs of the user's code); `on_panic` gets the message of a panic, to log it with what
/// the handler was handling.
pub(crate) fn run(
    mut fut: BoxFuture<()>,
    span: tracing::Span,
    on_panic: impl FnOnce(&str) + Send + 'static,
) {
    use tracing::Instrument;
    let mut cx = Context::from_waker(Waker::noop());
    let first =
        span.in_scope(|| std::panic::catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(&mut cx))));
    match first {
        Ok(Poll::Ready(())) => {}
        // Spawning polls it again with a real waker, so nothing it waits for is missed.
        Ok(Poll::Pending) => {
            tokio::spawn(
                async move {
                    if let Err(payload) = AssertUnwindSafe(fut).catch_unwind().await {
                        on_panic(panic_message(&*payload));
                    }
                }
                .instrument(span),
            );
        }
        Err(payload) => on_panic(panic_message(&*payload)),
    }
}

/// Calls a synchronous hook of `socket`, containing and logging a panic.
pub(crate) fn call<C: ?Sized + 'static, S: ?Sized + 'static, D: 'static>(
    what: &'static str,
    socket: &Socket<C, S, D>,
    f: impl FnOnce(),
) {
    if let Err(payload) = std::panic::catch_unwind(AssertUnwindSafe(f)) {
        tracing::error!(
            sid = %socket.id(),
            nsp = socket.ns(),
            panic = panic_message(&*payload),
            "a {what} handler panicked"
        );
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

    #[tokio::test]
    async fn a_panic_goes_to_the_event_error_hook_with_the_event_and_its_arguments() {
        let io = Server::new(quick_config());
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        io.of("/")
            .on_event_error(move |socket, error| {
                let _ = tx.send((
                    socket.id().to_string(),
                    error.event().to_owned(),
                    error.args().get::<i64>(0).ok(),
                    error.panic_message().map(str::to_owned),
                    error.to_string(),
                ));
            })
            .on_connection(|socket: Socket| async move {
                socket.on("now", |_, args, _| async move {
                    let n: i64 = args.get(0).unwrap();
                    panic!("bad number {n}");
                });
                socket.on("later", |_, _, _| async move {
                    tokio::task::yield_now().await;
                    panic!("after a wait");
                });
                socket.on("ping", |socket, _, _| async move {
                    let _ = socket.emit("pong", &());
                });
            });
        let mut a = TestClient::open(&io).await;
        a.connect("/", json!({})).await;
        let mut b = TestClient::open(&io).await;
        b.connect("/", json!({})).await;
        a.emit(r#"["now", 7]"#).await;
        let (sid, event, arg, panic, text) = rx.recv().await.unwrap();
        assert_eq!(io.sockets().iter().filter(|s| *s.id() == *sid).count(), 1);
        assert_eq!((event.as_str(), arg), ("now", Some(7)));
        assert_eq!(panic.as_deref(), Some("bad number 7"));
        assert_eq!(text, "the handler of event \"now\" panicked: bad number 7");
        a.emit(r#"["later"]"#).await;
        let (_, event, _, panic, _) = rx.recv().await.unwrap();
        assert_eq!(
            (event.as_str(), panic.as_deref()),
            ("later", Some("after a wait"))
        );
        // The socket and the one beside it go on.
        a.emit(r#"["ping"]"#).await;
        assert_eq!(a.event().await, json!(["pong"]));
        b.emit(r#"["ping"]"#).await;
        assert_eq!(b.event().await, json!(["pong"]));
    }
}
