//! [`ServerConfig`]: the Socket.IO options, with the reference server's defaults.

use crate::adapter::{AdapterFactory, MemoryAdapter};
use crate::engineio::{EngineIoConfig, HttpServerConfig};
use crate::protocol::socketio::packet;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Socket.IO options, with the reference server's defaults. Engine.IO options are in
/// [`engine`](Self::engine) (path `/socket.io` here).
#[derive(Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The Engine.IO options (ping interval and timeout, payload limit, transports, CORS, …).
    pub engine: EngineIoConfig,
    /// How long a connection may stay without joining any namespace. Default 45 s.
    pub connect_timeout: Duration,
    /// How long `emit_with_ack` waits when no timeout is given. The reference waits forever;
    /// here an acknowledgement never hangs. Default 5 s.
    pub ack_timeout: Duration,
    /// Connection state recovery: off (`None`) by default, as in the reference.
    pub connection_state_recovery: Option<crate::ConnectionStateRecovery>,
    /// The most binary attachments one packet from a client may announce; a packet announcing
    /// more closes its connection as invalid. Default 10 (the reference parser's
    /// `maxAttachments`).
    pub max_attachments: usize,
    /// The most arguments an event (its name not counted) or an acknowledgement from a client
    /// may carry; a packet with more closes its connection as invalid. The reference has no
    /// such limit (only the payload size bounds it). Default 1024.
    pub max_arguments: usize,
    /// The deepest nesting of arrays and objects in a packet from a client (the outer array
    /// of arguments counts); a packet nested deeper closes its connection as invalid, before
    /// its arguments are parsed. Default 128 (serde_json's own recursion limit).
    pub max_json_depth: usize,
    /// The most namespaces [dynamic namespaces](crate::Server::dynamic_namespace) may create
    /// (each made when a client first joins a name that matches, and kept until
    /// [`cleanup_empty_child_namespaces`](Self::cleanup_empty_child_namespaces) removes it):
    /// past it, a client joining a new name is refused with `Invalid namespace`, as for a
    /// name nothing matches. Namespaces created by [`Server::of`](crate::Server::of) are not
    /// counted. Default 10 000.
    pub max_child_namespaces: usize,
    /// Whether a namespace made by a dynamic namespace is removed once its last socket
    /// leaves (with its adapter), as the reference's `cleanupEmptyChildNamespaces`. Off by
    /// default, as in the reference.
    pub cleanup_empty_child_namespaces: bool,
    /// Where the browser client is served from (`serveClient` in the reference): the `dist/`
    /// directory of the npm package `socket.io-client`. Off (`None`) by default; see
    /// [`serve_client`](Self::serve_client).
    pub serve_client: Option<std::path::PathBuf>,
    /// The limits of the HTTP server that [`Server::serve`](crate::Server::serve) and
    /// [`Server::serve_app`](crate::Server::serve_app) run (headers timeout and size, the most
    /// connections at once). Unused by a server mounted in an app served otherwise.
    pub http: HttpServerConfig,
    pub(crate) adapter: AdapterFactory,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            engine: EngineIoConfig::default().path("/socket.io"),
            connect_timeout: Duration::from_secs(45),
            ack_timeout: Duration::from_secs(5),
            connection_state_recovery: None,
            max_attachments: packet::MAX_ATTACHMENTS,
            max_arguments: packet::MAX_ARGUMENTS,
            max_json_depth: packet::MAX_DEPTH,
            max_child_namespaces: 10_000,
            cleanup_empty_child_namespaces: false,
            serve_client: None,
            http: HttpServerConfig::default(),
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
            .field("connection_state_recovery", &self.connection_state_recovery)
            .field("max_attachments", &self.max_attachments)
            .field("max_arguments", &self.max_arguments)
            .field("max_json_depth", &self.max_json_depth)
            .field("max_child_namespaces", &self.max_child_namespaces)
            .field(
                "cleanup_empty_child_namespaces",
                &self.cleanup_empty_child_namespaces,
            )
            .field("serve_client", &self.serve_client)
            .field("http", &self.http)
            .finish_non_exhaustive()
    }
}

impl ServerConfig {
    /// Turns connection state recovery on, with these options (see
    /// [`ConnectionStateRecovery`](crate::ConnectionStateRecovery)).
    pub fn connection_state_recovery(mut self, options: crate::ConnectionStateRecovery) -> Self {
        self.connection_state_recovery = Some(options);
        self
    }

    /// Sets the Engine.IO options. Socket.IO stays at `/socket.io/` unless `engine` sets a
    /// path of its own ([`EngineIoConfig::path`] or [`path`](Self::path)).
    ///
    /// ```
    /// use socketry::ServerConfig;
    /// use socketry::engineio::EngineIoConfig;
    /// use std::time::Duration;
    ///
    /// let config = ServerConfig::default()
    ///     .engine(EngineIoConfig::default().ping_interval(Duration::from_secs(10)));
    /// assert_eq!(config.engine.path, "/socket.io");
    /// ```
    pub fn engine(mut self, mut engine: EngineIoConfig) -> Self {
        if !engine.path_set {
            engine.path = self.engine.path;
        }
        self.engine = engine;
        self
    }
    /// Sets the path Socket.IO is served at (`path` in the reference). Default `/socket.io`.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.engine = self.engine.path(path);
        self
    }
    /// Serves the official browser client at `<path>/socket.io.js` (and `.min.js`,
    /// `.esm.min.js`, `.msgpack.min.js`, with their source maps), as the reference's
    /// `serveClient` does: `ETag` of the package's version, `304` to a client that has it,
    /// compressed for a client that accepts it. `dir` is the `dist/` directory (or the root)
    /// of the npm package `socket.io-client` the application installs; the files are read
    /// once, when [`Server::router`](crate::Server::router) is built.
    ///
    /// ```no_run
    /// use socketry::{Server, ServerConfig};
    ///
    /// // After `npm install socket.io-client` beside the program:
    /// let io = Server::new(ServerConfig::default().serve_client("node_modules/socket.io-client"));
    /// // The page: <script src="/socket.io/socket.io.js"></script>
    /// ```
    pub fn serve_client(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.serve_client = Some(dir.into());
        self
    }
    /// Sets [`http`](Self::http).
    pub fn http(mut self, limits: HttpServerConfig) -> Self {
        self.http = limits;
        self
    }
    /// Sets [`max_attachments`](Self::max_attachments).
    pub fn max_attachments(mut self, n: usize) -> Self {
        self.max_attachments = n;
        self
    }
    /// Sets [`max_arguments`](Self::max_arguments).
    pub fn max_arguments(mut self, n: usize) -> Self {
        self.max_arguments = n;
        self
    }
    /// Sets [`max_json_depth`](Self::max_json_depth).
    pub fn max_json_depth(mut self, depth: usize) -> Self {
        self.max_json_depth = depth;
        self
    }
    /// Sets [`max_child_namespaces`](Self::max_child_namespaces).
    pub fn max_child_namespaces(mut self, n: usize) -> Self {
        self.max_child_namespaces = n;
        self
    }
    /// Sets [`cleanup_empty_child_namespaces`](Self::cleanup_empty_child_namespaces).
    ///
    /// ```
    /// use socketry::{Server, ServerConfig};
    ///
    /// // One namespace per workspace, gone when its last member leaves.
    /// let io = Server::new(ServerConfig::default().cleanup_empty_child_namespaces(true));
    /// io.dynamic_namespace(regex::Regex::new(r"^/workspace-\d+$").unwrap());
    /// ```
    pub fn cleanup_empty_child_namespaces(mut self, on: bool) -> Self {
        self.cleanup_empty_child_namespaces = on;
        self
    }
    /// What a packet from a client may hold.
    pub(crate) fn decode_limits(&self) -> packet::DecodeLimits {
        packet::DecodeLimits {
            attachments: self.max_attachments,
            depth: self.max_json_depth,
            arguments: self.max_arguments,
        }
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
