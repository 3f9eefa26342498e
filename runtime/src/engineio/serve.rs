//! Running a router standalone: accept, serve each connection with hyper, stop gracefully.
//!
//! Done here rather than with `axum::serve` for one reason: axum hands hyper its connections
//! wrapped in a private type (to tell HTTP/1 from HTTP/2), so a WebSocket that hyper upgrades
//! can no longer be taken back as the TCP stream it is, and goes on through a boxed stream and
//! a lock shared by its reading and writing halves. Served here, hyper gets the stream itself
//! and a WebSocket session reads and writes it directly.

use super::http_server::{ConnectionSlot, HttpServerConfig, Slots};
use super::transport::upgrade::Handoff;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;

/// Where [`serve`] accepts connections: one `TcpListener`, or several (an array or a `Vec`).
pub trait Listeners {
    /// The listeners.
    fn into_listeners(self) -> Vec<TcpListener>;
}

impl Listeners for TcpListener {
    fn into_listeners(self) -> Vec<TcpListener> {
        vec![self]
    }
}
impl Listeners for Vec<TcpListener> {
    fn into_listeners(self) -> Vec<TcpListener> {
        self
    }
}
impl<const N: usize> Listeners for [TcpListener; N] {
    fn into_listeners(self) -> Vec<TcpListener> {
        self.into()
    }
}

/// What [`serve`] serves: any tower service an axum app is, a `Router` or one behind layers of
/// your own. Implemented for every such service; never implemented by hand.
pub trait App:
    tower::Service<
        http::Request<axum::body::Body>,
        Response = axum::response::Response,
        Error = std::convert::Infallible,
        Future: Send + 'static,
    > + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S> App for S where
    S: tower::Service<
            http::Request<axum::body::Body>,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
            Future: Send + 'static,
        > + Clone
        + Send
        + Sync
        + 'static
{
}

/// Serves `app` on `listeners` until `shutdown` resolves, then waits for open HTTP requests to
/// end, at most [`shutdown_timeout`](HttpServerConfig::shutdown_timeout) (upgraded WebSocket
/// connections are the sessions' own, and end with them).
///
/// `app` is any tower service an axum app is: a `Router` (yours, with
/// [`Server::router`](crate::Server::router) merged into it), or a service with a layer stack
/// of your own. For `shutdown`, [`shutdown_signal`] waits for Ctrl-C or SIGTERM; to tell the
/// Socket.IO clients too, close the server in it ([`Server::serve_app`](crate::Server::serve_app)
/// does both).
///
/// Use it in place of `axum::serve`: the peer address is recorded (as axum's `ConnectInfo`),
/// Nagle's algorithm is turned off on every connection (as Node's HTTP server does: with it, a
/// small packet written right after another waits for the client's delayed ACK, up to 40 ms),
/// and WebSocket sessions work on the TCP stream itself rather than through hyper's upgraded
/// connection. Requests are served over HTTP/1.1, and over HTTP/2 for clients that start with
/// its preface (h2c with prior knowledge), within the default [`HttpServerConfig`] limits
/// ([`serve_with`] takes others).
///
/// Connections are accepted by the future this returns, not by a task it spawns: awaited
/// from `main`, as `axum::serve` is, it accepts on main's thread while the runtime's workers
/// serve the connections, and a burst of new ones does not hold up the handshakes already
/// under way.
///
/// ```
/// use socketry::{Server, ServerConfig};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let io = Server::new(ServerConfig::default());
/// let app = axum::Router::new()
///     .route("/health", axum::routing::get(|| async { "ok" }))
///     .merge(io.router());
/// let v4 = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let v6 = tokio::net::TcpListener::bind("[::1]:0").await.or(tokio::net::TcpListener::bind("127.0.0.1:0").await)?;
/// // Here the server stops at once; `socketry::shutdown_signal()` waits for Ctrl-C or SIGTERM.
/// socketry::serve([v4, v6], app, async {}).await
/// # }
/// ```
pub async fn serve(
    listeners: impl Listeners,
    app: impl App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(HttpServerConfig::default(), listeners, app, shutdown).await
}

/// [`serve`], within the limits of `config`: how long request headers may take, how large
/// they may be, how many connections are served at once.
///
/// ```
/// use socketry::HttpServerConfig;
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let app = axum::Router::new().route("/", axum::routing::get(|| async { "hi" }));
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let limits = HttpServerConfig::default().headers_timeout(Duration::from_secs(10));
/// socketry::serve_with(limits, listener, app, async {}).await
/// # }
/// ```
pub async fn serve_with(
    config: HttpServerConfig,
    listeners: impl Listeners,
    app: impl App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = Limits {
        slots: Slots::new(config.max_connections),
        config: std::sync::Arc::new(config),
    };
    // `stop` tells the connections to finish what they serve; `done` closes once all have.
    let (stop_tx, stop_rx) = watch::channel(());
    let (done_tx, done_rx) = watch::channel(());
    // Not spawned (see `serve`): an accept task on a worker would put a burst of new
    // connections in that worker's own queue, ahead of the handshakes already under way;
    // from here they go to the runtime's shared queue, which a worker looks at now and then.
    let accepting =
        futures_util::future::join_all(listeners.into_listeners().into_iter().map(|listener| {
            let (app, stop, done) = (app.clone(), stop_rx.clone(), done_rx.clone());
            accept(listener, app, limits.clone(), stop, done)
        }));
    tokio::join!(accepting, async {
        shutdown.await;
        let _ = stop_tx.send(());
    });
    drop(stop_rx);
    drop(done_rx);
    done_tx.closed().await;
    Ok(())
}

/// What every connection of one [`serve_with`] shares.
#[derive(Clone)]
struct Limits {
    config: std::sync::Arc<HttpServerConfig>,
    slots: Slots,
}

/// Accepts connections on `listener` until `stop` changes, each served in a task holding
/// `done`.
async fn accept(
    listener: TcpListener,
    app: impl App,
    limits: Limits,
    mut stop: watch::Receiver<()>,
    done: watch::Receiver<()>,
) {
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_error(e).await;
                    continue;
                }
            },
            _ = stop.changed() => return,
        };
        let Some(slot) = limits.slots.take() else {
            tracing::warn!(
                %peer,
                max = limits.config.max_connections,
                "refusing a connection: max_connections are open"
            );
            tokio::spawn(refuse(tcp));
            continue;
        };
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        let (app, config, stop, done) = (
            app.clone(),
            limits.config.clone(),
            stop.clone(),
            done.clone(),
        );
        tokio::spawn(async move {
            serve_connection(tcp, peer, app, &config, slot, stop).await;
            drop(done);
        });
    }
}

/// Answers a connection past `max_connections` and closes it.
async fn refuse(mut tcp: TcpStream) {
    use tokio::io::AsyncWriteExt;
    const ANSWER: &[u8] =
        b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
    // A client that does not read the answer does not hold the task either.
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = tcp.write_all(ANSWER).await;
        let _ = tcp.shutdown().await;
    })
    .await;
}

/// Serves one connection, HTTP/1.1 or HTTP/2, until it ends or `stop` says to finish.
async fn serve_connection(
    tcp: TcpStream,
    peer: SocketAddr,
    app: impl App,
    config: &HttpServerConfig,
    slot: ConnectionSlot,
    mut stop: watch::Receiver<()>,
) {
    let handoff = Handoff::default();
    let left = handoff.clone();
    let service = hyper::service::service_fn(move |mut req: http::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        // Only a WebSocket keeps the slot past its request, and only it can leave work for
        // this task; other requests skip the clones.
        if req.headers().contains_key(http::header::UPGRADE) {
            req.extensions_mut().insert(slot.clone());
            req.extensions_mut().insert(handoff.clone());
        }
        app.clone().oneshot(req.map(axum::body::Body::new))
    });
    // A client that sends nothing is held no longer than one that sends its headers slowly.
    let http2 = tokio::select! {
        http2 = tokio::time::timeout(config.headers_timeout, starts_with_http2_preface(&tcp)) => {
            match http2 {
                Ok(http2) => http2,
                Err(_) => {
                    tracing::debug!(%peer, "no request within headers_timeout");
                    return;
                }
            }
        }
        _ = stop.changed() => return,
    };
    let io = TokioIo::new(tcp);
    let max_header_size = u32::try_from(config.max_header_size).unwrap_or(u32::MAX);
    let result = if http2 {
        let conn = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
            .timer(TokioTimer::new())
            .max_header_list_size(max_header_size)
            .serve_connection(io, service);
        until_done(conn, &mut stop, config.shutdown_timeout, |c| {
            c.graceful_shutdown()
        })
        .await
    } else {
        // hyper is given the stream itself, so that an upgraded connection can be taken back
        // as one (see the module docs).
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(config.headers_timeout)
            .max_header_size(config.max_header_size)
            .serve_connection(io, service)
            .with_upgrades();
        until_done(conn, &mut stop, config.shutdown_timeout, |c| {
            c.graceful_shutdown()
        })
        .await
    };
    match result {
        Some(Ok(())) => {}
        Some(Err(e)) => tracing::debug!(%peer, error = %e, "connection ended with an error"),
        None => {
            tracing::warn!(%peer, "request still in progress at the shutdown deadline: dropped")
        }
    }
    // An upgraded connection: hyper has handed it over, and its WebSocket starts here.
    if let Some(start) = left.take() {
        start.await;
    }
}

/// Runs `conn` to its end; once `stop` says so, it finishes what it serves and takes no more,
/// within `deadline` (`None`: dropped then).
async fn until_done<C: Future>(
    conn: C,
    stop: &mut watch::Receiver<()>,
    deadline: Duration,
    graceful_shutdown: impl FnOnce(std::pin::Pin<&mut C>),
) -> Option<C::Output> {
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => Some(r),
        _ = stop.changed() => {
            graceful_shutdown(conn.as_mut());
            tokio::time::timeout(deadline, conn).await.ok()
        }
    }
}

/// What an HTTP/2 client with prior knowledge sends first; no HTTP/1 request starts like it.
const HTTP2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Whether the client's first bytes are HTTP/2's preface, looked at without taking them.
async fn starts_with_http2_preface(tcp: &TcpStream) -> bool {
    // "PRI " is enough to tell: no HTTP/1 method is `PRI`.
    const TELLING: usize = 4;
    let mut buf = [0u8; TELLING];
    for _ in 0..100 {
        let n = match tcp.peek(&mut buf).await {
            Ok(n) => n,
            Err(_) => return false,
        };
        if n == 0 || buf[..n] != HTTP2_PREFACE[..n] {
            return false;
        }
        if n == TELLING {
            return true;
        }
        // A prefix of the preface: the rest has not arrived. Peeking again at once would
        // find the same bytes, so wait a moment.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    false
}

/// An error accepting a connection: one the client caused is skipped; anything else (out of
/// file descriptors, say) is logged and waited out, as hyper's own server did.
async fn accept_error(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accept error");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// Resolves on Ctrl-C or SIGTERM: the shutdown signal [`Server::serve`](crate::Server::serve)
/// waits for, for apps that serve themselves.
///
/// ```no_run
/// # async fn run(io: socketry::Server, app: axum::Router) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await?;
/// io.serve_app(listener, app, socketry::shutdown_signal()).await
/// # }
/// ```
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn read_until(stream: &mut TcpStream, needle: &str) -> String {
        let mut seen = Vec::new();
        let mut buf = [0u8; 1024];
        while !String::from_utf8_lossy(&seen).contains(needle) {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed before {needle:?}");
            seen.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&seen).into_owned()
    }

    #[tokio::test]
    async fn shutdown_closes_idle_connections_and_stops_accepting() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().route(
            "/",
            axum::routing::get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move {
                format!("from {}", peer.ip())
            }),
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, app, async {
            let _ = stopped.await;
        }));

        // A keep-alive connection, idle after one request, and one that never sent anything.
        let mut idle = TcpStream::connect(addr).await.unwrap();
        idle.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        read_until(&mut idle, "from 127.0.0.1").await;
        let mut silent = TcpStream::connect(addr).await.unwrap();

        stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(5), server)
            .await
            .expect("serve ends once its connections have")
            .unwrap()
            .unwrap();
        let mut buf = [0u8; 16];
        assert_eq!(idle.read(&mut buf).await.unwrap(), 0);
        assert_eq!(silent.read(&mut buf).await.unwrap_or(0), 0);
        assert!(TcpStream::connect(addr).await.is_err());
    }

    #[tokio::test]
    async fn several_listeners_and_any_tower_service() {
        let a = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let b = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addrs = [a.local_addr().unwrap(), b.local_addr().unwrap()];
        // A router behind a layer of the user's own: a tower service, not a `Router`.
        let app = tower::ServiceBuilder::new()
            .map_response(|mut r: axum::response::Response| {
                r.headers_mut()
                    .insert("x-layer", http::HeaderValue::from_static("yes"));
                r
            })
            .service(Router::new().route("/", axum::routing::get(|| async { "hello" })));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve([a, b], app, async {
            let _ = stopped.await;
        }));
        for addr in addrs {
            let mut tcp = TcpStream::connect(addr).await.unwrap();
            tcp.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
                .await
                .unwrap();
            let answer = read_until(&mut tcp, "hello").await;
            assert!(answer.contains("x-layer: yes"), "{answer}");
        }
        stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(5), server)
            .await
            .expect("serve ends")
            .unwrap()
            .unwrap();
        for addr in addrs {
            assert!(TcpStream::connect(addr).await.is_err());
        }
    }
}

#[cfg(test)]
#[path = "serve_limits_tests.rs"]
mod limits_tests;
