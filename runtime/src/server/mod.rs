//! [`Server`]: the Socket.IO server, its namespaces and the axum integration.
//!
//! The handle is here; its options are in `config.rs` and dynamic namespaces in `dynamic.rs`.

mod client_bundle;
mod config;
mod connect_timeout;
mod dynamic;
mod layer;
mod stats;
#[cfg(test)]
mod tests;

pub use config::ServerConfig;
pub use dynamic::DynamicNamespace;
use dynamic::{Matcher, Parent};
pub use layer::{SocketIoLayer, SocketIoService};
pub use stats::ServerStats;

use crate::adapter::{AdapterFactory, IntoRooms};
use crate::broadcast::BroadcastOperator;
use crate::engineio::{EngineIo, Str};
use crate::namespace::{Namespace, NamespaceInner};
use crate::socket::{DataCodec, EmitError, Socket};
use crate::typed::{Extensions, Untyped};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock, RwLock, Weak};

pub(crate) struct ServerInner {
    pub(crate) config: ServerConfig,
    /// Makes, serializes and restores the sockets' data (the server's data type).
    pub(crate) data: DataCodec,
    pub(crate) adapter: AdapterFactory,
    namespaces: RwLock<HashMap<Str, Arc<NamespaceInner>>>,
    /// `/`, also in `namespaces` and never removed: `io.to(..)`, `io.emit(..)` and the other
    /// shorthands reach it without a lookup.
    main: OnceLock<Arc<NamespaceInner>>,
    parents: RwLock<Vec<Arc<Parent>>>,
    /// How many of `namespaces` dynamic namespaces made (changed under its lock).
    children: std::sync::atomic::AtomicUsize,
    engine: EngineIo,
    /// Closes the connections that join no namespace in time.
    pub(crate) connect_timeout: Arc<connect_timeout::ConnectTimeout>,
}

impl ServerInner {
    fn namespace(self: &Arc<Self>, name: &str) -> Arc<NamespaceInner> {
        if let Some(ns) = self.namespaces.read().expect("namespaces lock").get(name) {
            return ns.clone();
        }
        self.namespaces
            .write()
            .expect("namespaces lock")
            .entry(Str::from(name))
            .or_insert_with(|| NamespaceInner::new(Str::from(name), Arc::default(), self, false))
            .clone()
    }
}

/// Held by the router, so that the server lives as long as something serves it.
#[derive(Clone)]
struct KeepAlive(#[allow(dead_code)] Arc<ServerInner>);

/// A Socket.IO server. Cheap to clone: clones are the same server.
///
/// ```no_run
/// use socketry::{Server, ServerConfig, Socket};
///
/// #[tokio::main]
/// async fn main() -> std::io::Result<()> {
///     let io = Server::new(ServerConfig::default());
///     io.of("/").on_connection(|socket: Socket| async move {
///         socket.on("ping", |_socket, args, ack| async move {
///             if let Some(ack) = ack {
///                 let _ = ack.send(&args);
///             }
///         });
///     });
///     io.serve("127.0.0.1:3000").await
/// }
/// ```
///
/// # Typed events
///
/// The type parameters are the counterpart of TypeScript's
/// `Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>`: `C`,
/// the events clients send, `S`, the events the server sends, `I`, the events servers of a
/// cluster send each other, each `dyn Trait` for a trait under [`#[events]`](crate::events)
/// (or [`Untyped`]), and `D`, the type of `socket.data`. They flow to every namespace, socket
/// and broadcast of the server, so that only declared events can be emitted or handled, each
/// with exactly its declared types.
///
/// ```no_run
/// use socketry::{Server, ServerConfig, Socket, events};
///
/// #[events]
/// trait ClientEvents {
///     fn hello(name: String);
/// }
///
/// #[events]
/// trait ServerEvents {
///     fn welcome(text: String);
/// }
///
/// type Io = Server<dyn ClientEvents, dyn ServerEvents>;
///
/// # async fn run() -> std::io::Result<()> {
/// let io = Io::typed(ServerConfig::default());
/// io.of("/").on_connection(|socket| async move {
///     socket.on().hello(|socket, name| async move {
///         let _ = socket.emit().welcome(&format!("hello {name}"));
///     });
/// });
/// io.serve("127.0.0.1:3000").await
/// # }
/// ```
pub struct Server<C: ?Sized = Untyped, S: ?Sized = Untyped, I: ?Sized = Untyped, D = Extensions>(
    Arc<ServerInner>,
    PhantomData<fn(&C, &S, &I) -> D>,
);

impl<C: ?Sized, S: ?Sized, I: ?Sized, D> Clone for Server<C, S, I, D> {
    fn clone(&self) -> Self {
        Server(self.0.clone(), PhantomData)
    }
}

impl<C: ?Sized, S: ?Sized, I: ?Sized, D> fmt::Debug for Server<C, S, I, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("config", &self.0.config)
            .field(
                "namespaces",
                &self.0.namespaces.read().map(|n| n.len()).unwrap_or(0),
            )
            .finish()
    }
}

impl Server {
    /// An untyped server with these options. The main namespace `/` exists from the start.
    pub fn new(config: ServerConfig) -> Self {
        Server::with_config(config)
    }
}

impl<
    C: ?Sized + 'static,
    S: ?Sized + 'static,
    I: ?Sized + 'static,
    D: Default + Serialize + DeserializeOwned + Send + 'static,
> Server<C, S, I, D>
{
    /// A server of these type parameters: what [`Server::new`] and the typed layer's
    /// `Server::typed` (which checks that each event parameter is a set of events) build.
    pub(crate) fn with_config(config: ServerConfig) -> Self {
        let inner = Arc::new_cyclic(|weak: &Weak<ServerInner>| ServerInner {
            adapter: config.adapter.clone(),
            connect_timeout: connect_timeout::ConnectTimeout::new(config.connect_timeout),
            engine: EngineIo::with_handler(
                config.engine.clone(),
                Arc::new(crate::client::Bridge(weak.clone())),
            ),
            config,
            data: DataCodec::of::<D>(),
            namespaces: RwLock::default(),
            main: OnceLock::new(),
            parents: RwLock::default(),
            children: Default::default(),
        });
        let main = inner.namespace("/");
        let _ = inner.main.set(main);
        Server(inner, PhantomData)
    }
}

impl<C: ?Sized + 'static, S: ?Sized + 'static, I: ?Sized + 'static, D: 'static> Server<C, S, I, D> {
    /// The options in force.
    pub fn config(&self) -> &ServerConfig {
        &self.0.config
    }

    /// The namespace `name`, created if needed.
    pub fn of(&self, name: &str) -> Namespace<C, S, I, D> {
        let name = if name.starts_with('/') {
            Cow::Borrowed(name)
        } else {
            Cow::Owned(format!("/{name}"))
        };
        Namespace::from_inner(self.0.namespace(&name))
    }

    /// The namespace `name` if it exists (static, or a dynamic one already joined); unlike
    /// [`of`](Self::of), never creates it.
    pub fn namespace(&self, name: &str) -> Option<Namespace<C, S, I, D>> {
        self.0
            .namespaces
            .read()
            .expect("namespaces lock")
            .get(name)
            .cloned()
            .map(Namespace::from_inner)
    }

    /// A dynamic namespace: every name matching `pattern` becomes a namespace when a client
    /// first joins it, sharing the handlers and middlewares registered on the returned value.
    pub fn dynamic_namespace(&self, pattern: regex::Regex) -> DynamicNamespace<C, S, I, D> {
        self.add_parent(Matcher::Regex(pattern))
    }

    /// A dynamic namespace decided by an async predicate over the name and the `CONNECT` auth
    /// payload.
    pub fn dynamic_namespace_with<F, Fut>(&self, predicate: F) -> DynamicNamespace<C, S, I, D>
    where
        F: Fn(&str, &serde_json::Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = bool> + Send + 'static,
    {
        self.add_parent(Matcher::Predicate(Arc::new(move |n, a| {
            Box::pin(predicate(n, a))
        })))
    }

    fn add_parent(&self, matcher: Matcher) -> DynamicNamespace<C, S, I, D> {
        let parent = Arc::new(Parent {
            matcher,
            hooks: Arc::default(),
        });
        self.0
            .parents
            .write()
            .expect("parents lock")
            .push(parent.clone());
        DynamicNamespace {
            hooks: parent.hooks.clone(),
            _types: PhantomData,
        }
    }

    /// The underlying Engine.IO server.
    pub fn engine(&self) -> &EngineIo {
        &self.0.engine
    }

    /// An axum router serving Socket.IO under the configured path. Merge it into your app.
    ///
    /// The router keeps the server alive: its handles may all be dropped once it is built.
    pub fn router(&self) -> axum::Router {
        let mut router = self.0.engine.router();
        if let Some(dir) = &self.0.config.serve_client {
            let dir = client_bundle::dist_dir(dir.clone());
            router = client_bundle::routes(&self.0.config.engine.path, &dir).merge(router);
        }
        router.layer(axum::Extension(KeepAlive(self.0.clone())))
    }

    /// What [`router`](Self::router) answers, with the engine's requests (every poll, post
    /// and refusal) handled without a router in front: what `serve` and the layer serve.
    pub(crate) fn service(&self) -> crate::engineio::EngineService {
        let path = &self.0.config.engine.path;
        let bundle = match &self.0.config.serve_client {
            Some(_) => client_bundle::FILES
                .iter()
                .map(|name| format!("{path}/{name}"))
                .collect(),
            None => Vec::new(),
        };
        crate::engineio::EngineService::new(&self.0.engine, self.router(), bundle)
    }

    /// Serves this server alone on `addr` until Ctrl-C or SIGTERM, then closes it.
    ///
    /// It listens with room for 1,024 connections waiting to be accepted, where tokio's
    /// `TcpListener::bind` leaves 128: when many clients reconnect at once, those past the
    /// queue would wait a second or more for their connection to be tried again. A listener
    /// of your own keeps its own queue.
    pub async fn serve(self, addr: impl tokio::net::ToSocketAddrs) -> std::io::Result<()> {
        let listener = crate::engineio::bind(addr).await?;
        let app = self.service();
        self.serve_app(listener, app, crate::engineio::shutdown_signal())
            .await
    }

    /// Serves `app` (your axum app or tower service, holding [`router`](Self::router)) on
    /// `listeners` until `shutdown` resolves; then closes this server (every client is told
    /// `server shutting down`, pending polls answered) and waits for open requests to end.
    ///
    /// ```no_run
    /// use socketry::{Server, ServerConfig};
    /// use tokio::net::TcpListener;
    ///
    /// # async fn run() -> std::io::Result<()> {
    /// let io = Server::new(ServerConfig::default());
    /// let app = axum::Router::new()
    ///     .route("/health", axum::routing::get(|| async { "ok" }))
    ///     .merge(io.router());
    /// let public = TcpListener::bind("0.0.0.0:3000").await?;
    /// let local = TcpListener::bind("127.0.0.1:3001").await?;
    /// io.serve_app([public, local], app, socketry::shutdown_signal()).await
    /// # }
    /// ```
    pub async fn serve_app(
        self,
        listeners: impl crate::engineio::Listeners,
        app: impl crate::engineio::App,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let limits = self.config().http.clone();
        crate::engineio::serve_with(limits, listeners, app, async move {
            shutdown.await;
            self.close_and_flush().await;
        })
        .await
    }

    /// [`close`](Self::close), then waits until every client has its close (at most
    /// [`shutdown_timeout`](crate::HttpServerConfig::shutdown_timeout) of
    /// [`ServerConfig::http`]; a long-polling client collects it with its next poll, so the
    /// HTTP server must still be serving), then (at most 5 s) until every namespace's adapter
    /// has sent what it still had to: with a cluster adapter, the sessions of the clients just
    /// closed, so that they recover on another node. `serve` and `serve_app` do this before
    /// they stop serving.
    pub async fn close_and_flush(&self) {
        let deadline = self.0.config.http.shutdown_timeout;
        self.0.engine.shutdown_within(deadline).await;
        let adapters: Vec<_> = self
            .0
            .namespaces
            .read()
            .expect("namespaces lock")
            .values()
            .map(|ns| ns.adapter().flush())
            .collect();
        let all = futures_util::future::join_all(adapters);
        if tokio::time::timeout(std::time::Duration::from_secs(5), all)
            .await
            .is_err()
        {
            tracing::warn!("the adapters did not finish sending within 5 s of the shutdown");
        }
    }

    /// Refuses new connections and closes every one open, with reason `server shutting
    /// down`: what is queued for each client is delivered first, then its close. Sockets
    /// leave as their client gets it ([`close_and_flush`](Self::close_and_flush) waits for
    /// that).
    pub fn close(&self) {
        self.0.engine.shutdown();
    }

    fn main(&self) -> Namespace<C, S, I, D> {
        match self.0.main.get() {
            Some(main) => Namespace::from_inner(main.clone()),
            None => self.of("/"),
        }
    }

    /// A broadcast to the main namespace's sockets in `rooms`.
    pub fn to(&self, rooms: impl IntoRooms) -> BroadcastOperator<C, S, D> {
        self.main().to(rooms)
    }

    /// Same as [`to`](Self::to).
    pub fn within(&self, rooms: impl IntoRooms) -> BroadcastOperator<C, S, D> {
        self.to(rooms)
    }

    /// A broadcast to the main namespace's sockets outside `rooms`.
    pub fn except(&self, rooms: impl IntoRooms) -> BroadcastOperator<C, S, D> {
        self.main().except(rooms)
    }

    /// A broadcast to every socket of the main namespace, to refine with operators.
    pub fn broadcast(&self) -> BroadcastOperator<C, S, D> {
        self.main().broadcast()
    }

    /// The main namespace's sockets on this node.
    pub fn sockets(&self) -> Vec<Socket<C, S, D>> {
        self.main().sockets()
    }
}

impl<C: ?Sized + 'static, I: ?Sized + 'static, D: 'static> Server<C, Untyped, I, D> {
    /// Emits to every socket of the main namespace.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, args: &T) -> Result<(), EmitError> {
        self.main().emit(event, args)
    }
}
