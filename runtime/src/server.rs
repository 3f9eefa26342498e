//! [`Server`]: the Socket.IO server, its options, namespaces and the axum integration.

use crate::adapter::{AdapterFactory, IntoRooms, MemoryAdapter};
use crate::broadcast::BroadcastOperator;
use crate::client::Client;
use crate::engineio::{
    CloseReason, EngineHandler, EngineIo, EngineIoConfig, EngineSocket, Message, Sid, Str,
};
use crate::handler::BoxFuture;
use crate::namespace::{Hooks, MiddlewareError, Namespace, NamespaceInner};
use crate::socket::{EmitError, Socket};
use crate::socketio::encode;
use crate::socketio::packet::PacketType;
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

/// Socket.IO options, with the reference server's defaults. Engine.IO options are in
/// [`engine`](Self::engine) (path `/socket.io` here).
#[derive(Clone)]
pub struct ServerConfig {
    /// The Engine.IO options (ping interval and timeout, payload limit, transports, CORS, …).
    pub engine: EngineIoConfig,
    /// How long a connection may stay without joining any namespace. Default 45 s.
    pub connect_timeout: Duration,
    /// How long `emit_with_ack` waits when no timeout is given. The reference waits forever;
    /// here an acknowledgement never hangs. Default 5 s.
    pub ack_timeout: Duration,
    pub(crate) adapter: AdapterFactory,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            engine: EngineIoConfig::default().path("/socket.io"),
            connect_timeout: Duration::from_secs(45),
            ack_timeout: Duration::from_secs(5),
            adapter: Arc::new(|nsp| Arc::new(MemoryAdapter::new(nsp))),
        }
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("engine", &self.engine)
            .field("connect_timeout", &self.connect_timeout)
            .field("ack_timeout", &self.ack_timeout)
            .finish_non_exhaustive()
    }
}

impl ServerConfig {
    /// Sets the Engine.IO options.
    pub fn engine(mut self, engine: EngineIoConfig) -> Self {
        self.engine = engine;
        self
    }
    /// Sets [`connect_timeout`](Self::connect_timeout).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }
    /// Sets [`ack_timeout`](Self::ack_timeout).
    pub fn ack_timeout(mut self, d: Duration) -> Self {
        self.ack_timeout = d;
        self
    }
    /// Uses another adapter for every namespace.
    pub fn adapter(
        mut self,
        factory: impl Fn(Arc<dyn crate::adapter::LocalNamespace>) -> Arc<dyn crate::adapter::Adapter>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        self.adapter = Arc::new(factory);
        self
    }
}

type Predicate = Arc<dyn Fn(&str, &serde_json::Value) -> BoxFuture<bool> + Send + Sync>;

/// Matches the names of a dynamic namespace.
enum Matcher {
    Regex(regex::Regex),
    Predicate(Predicate),
}

struct Parent {
    matcher: Matcher,
    hooks: Arc<Hooks>,
}

pub(crate) struct ServerInner {
    pub(crate) config: ServerConfig,
    pub(crate) adapter: AdapterFactory,
    namespaces: RwLock<HashMap<Str, Arc<NamespaceInner>>>,
    parents: RwLock<Vec<Arc<Parent>>>,
    clients: RwLock<HashMap<Sid, Arc<Client>>>,
    engine: EngineIo,
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
            .or_insert_with(|| NamespaceInner::new(Str::from(name), Arc::default(), self))
            .clone()
    }

    /// A client's `CONNECT` to `nsp`: a static namespace, else the first dynamic one whose
    /// matcher accepts it (created once, however many clients arrive while it is checked).
    pub(crate) async fn connect(
        self: Arc<Self>,
        client: Arc<Client>,
        nsp: Str,
        auth: serde_json::Value,
    ) {
        let existing = self
            .namespaces
            .read()
            .expect("namespaces lock")
            .get(&nsp)
            .cloned();
        if let Some(ns) = existing {
            return ns.connect(client, auth).await;
        }
        let parents = self.parents.read().expect("parents lock").clone();
        for parent in parents {
            let matched = match &parent.matcher {
                Matcher::Regex(re) => re.is_match(&nsp),
                Matcher::Predicate(p) => p(&nsp, &auth).await,
            };
            if matched {
                let ns = self
                    .namespaces
                    .write()
                    .expect("namespaces lock")
                    .entry(nsp.clone())
                    .or_insert_with(|| {
                        NamespaceInner::new(nsp.clone(), parent.hooks.clone(), &self)
                    })
                    .clone();
                return ns.connect(client, auth).await;
            }
        }
        tracing::debug!(%nsp, "unknown namespace");
        let error = serde_json::json!({ "message": "Invalid namespace" });
        let packet = encode::control(PacketType::ConnectError, &nsp, Some(&error));
        let _ = client.send(&packet, false);
        client.connect_done(&nsp, None);
    }
}

/// Connects the Engine.IO sessions to Socket.IO clients.
struct Bridge(Weak<ServerInner>);

impl EngineHandler for Bridge {
    fn on_connect(&self, socket: &Arc<EngineSocket>) {
        let Some(server) = self.0.upgrade() else {
            return;
        };
        let client = Client::new(socket.clone(), self.0.clone());
        server
            .clients
            .write()
            .expect("clients lock")
            .insert(socket.id(), client.clone());
        if socket.protocol() == crate::engineio::ProtocolVersion::V3 {
            // Socket.IO v4 (v2 clients): the main namespace is joined implicitly.
            client.connect_main();
        }
        let timeout = server.config.connect_timeout;
        let client = Arc::downgrade(&client);
        tokio::spawn(async move {
            tokio::time::sleep(timeout).await;
            if let Some(client) = client.upgrade()
                && !client.is_closed()
                && !client.has_sockets()
            {
                tracing::debug!(sid = %client.engine().id(), "no namespace joined in time");
                client.close(crate::socket::DisconnectReason::ForcedServerClose);
            }
        });
    }

    fn on_message(&self, socket: &Arc<EngineSocket>, message: Message) {
        let Some(server) = self.0.upgrade() else {
            return;
        };
        let client = server
            .clients
            .read()
            .expect("clients lock")
            .get(&socket.id())
            .cloned();
        let Some(client) = client else {
            return;
        };
        match message {
            Message::Text(text) => client.on_text(text),
            Message::Binary(data) => client.on_binary(data),
        }
    }

    fn on_disconnect(&self, socket: &Arc<EngineSocket>, reason: CloseReason) {
        let Some(server) = self.0.upgrade() else {
            return;
        };
        let client = server
            .clients
            .write()
            .expect("clients lock")
            .remove(&socket.id());
        if let Some(client) = client {
            client.on_engine_close(reason);
        }
    }
}

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
#[derive(Clone)]
pub struct Server(Arc<ServerInner>);

impl fmt::Debug for Server {
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
    /// A server with these options. The main namespace `/` exists from the start.
    pub fn new(config: ServerConfig) -> Self {
        let inner = Arc::new_cyclic(|weak: &Weak<ServerInner>| ServerInner {
            adapter: config.adapter.clone(),
            engine: EngineIo::with_handler(config.engine.clone(), Arc::new(Bridge(weak.clone()))),
            config,
            namespaces: RwLock::default(),
            parents: RwLock::default(),
            clients: RwLock::default(),
        });
        inner.namespace("/");
        Server(inner)
    }

    /// The options in force.
    pub fn config(&self) -> &ServerConfig {
        &self.0.config
    }

    /// The namespace `name`, created if needed.
    pub fn of(&self, name: &str) -> Namespace {
        let name = if name.starts_with('/') {
            name.to_owned()
        } else {
            format!("/{name}")
        };
        Namespace(self.0.namespace(&name))
    }

    /// The namespace `name` if it exists (static, or a dynamic one already joined); unlike
    /// [`of`](Self::of), never creates it.
    pub fn namespace(&self, name: &str) -> Option<Namespace> {
        self.0
            .namespaces
            .read()
            .expect("namespaces lock")
            .get(name)
            .cloned()
            .map(Namespace)
    }

    /// A dynamic namespace: every name matching `pattern` becomes a namespace when a client
    /// first joins it, sharing the handlers and middlewares registered on the returned value.
    pub fn dynamic_namespace(&self, pattern: regex::Regex) -> DynamicNamespace {
        self.add_parent(Matcher::Regex(pattern))
    }

    /// A dynamic namespace decided by an async predicate over the name and the `CONNECT` auth
    /// payload.
    pub fn dynamic_namespace_with<F, Fut>(&self, predicate: F) -> DynamicNamespace
    where
        F: Fn(&str, &serde_json::Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = bool> + Send + 'static,
    {
        self.add_parent(Matcher::Predicate(Arc::new(move |n, a| {
            Box::pin(predicate(n, a))
        })))
    }

    fn add_parent(&self, matcher: Matcher) -> DynamicNamespace {
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
        }
    }

    /// The underlying Engine.IO server.
    pub fn engine(&self) -> &EngineIo {
        &self.0.engine
    }

    /// An axum router serving Socket.IO under the configured path. Merge it into your app.
    pub fn router(&self) -> axum::Router {
        self.0.engine.router()
    }

    /// Serves this server alone on `addr` until Ctrl-C or SIGTERM, then closes it.
    pub async fn serve(self, addr: impl tokio::net::ToSocketAddrs) -> std::io::Result<()> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        crate::serve::serve_router(listener, self.router(), async move {
            crate::serve::shutdown_signal().await;
            self.close();
        })
        .await
    }

    /// Closes every connection (reason `server shutting down`) and refuses new ones.
    pub fn close(&self) {
        self.0.engine.shutdown();
    }

    fn main(&self) -> Namespace {
        self.of("/")
    }

    /// Emits to every socket of the main namespace.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, args: &T) -> Result<(), EmitError> {
        self.main().emit(event, args)
    }

    /// A broadcast to the main namespace's sockets in `rooms`.
    pub fn to(&self, rooms: impl IntoRooms) -> BroadcastOperator {
        self.main().to(rooms)
    }

    /// Same as [`to`](Self::to).
    pub fn within(&self, rooms: impl IntoRooms) -> BroadcastOperator {
        self.to(rooms)
    }

    /// A broadcast to the main namespace's sockets outside `rooms`.
    pub fn except(&self, rooms: impl IntoRooms) -> BroadcastOperator {
        self.main().except(rooms)
    }

    /// A broadcast to every socket of the main namespace, to refine with operators.
    pub fn broadcast(&self) -> BroadcastOperator {
        self.main().broadcast()
    }

    /// The main namespace's sockets on this node.
    pub fn sockets(&self) -> Vec<Socket> {
        self.main().sockets()
    }
}

/// The handlers and middlewares shared by every namespace of a dynamic namespace.
#[derive(Clone)]
pub struct DynamicNamespace {
    hooks: Arc<Hooks>,
}

impl fmt::Debug for DynamicNamespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DynamicNamespace")
    }
}

impl DynamicNamespace {
    /// Registers a connection handler for every matching namespace.
    pub fn on_connection<F, Fut>(&self, handler: F) -> &Self
    where
        F: Fn(Socket) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.hooks.add_connection_handler(handler);
        self
    }

    /// Adds a middleware for every matching namespace.
    pub fn middleware<F, Fut>(&self, middleware: F) -> &Self
    where
        F: Fn(Socket) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), MiddlewareError>> + Send + 'static,
    {
        self.hooks.add_middleware(middleware);
        self
    }
}
