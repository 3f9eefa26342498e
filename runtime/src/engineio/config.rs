//! Engine.IO server options, with the reference server's defaults.

use super::request::RequestInfo;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// A transport a client may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// HTTP long-polling.
    Polling,
    /// WebSocket.
    WebSocket,
}

impl TransportKind {
    /// The name used in the `transport` query parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Polling => "polling",
            TransportKind::WebSocket => "websocket",
        }
    }

    /// Parses the `transport` query parameter.
    pub fn from_query(s: &str) -> Option<Self> {
        match s {
            "polling" => Some(TransportKind::Polling),
            "websocket" => Some(TransportKind::WebSocket),
            _ => None,
        }
    }
}

/// The boxed future an [`allow_request`](EngineIoConfig::allow_request) hook returns.
pub type AllowRequestFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// The `allow_request` hook: decides, before a handshake, whether it may go on. `Err(message)`
/// refuses it with HTTP 403 and that message.
pub type AllowRequest = Arc<dyn Fn(Arc<RequestInfo>) -> AllowRequestFuture + Send + Sync>;

/// The session cookie set on the handshake response (option `cookie` of the reference).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CookieOptions {
    /// Cookie name; `io` by default.
    pub name: String,
    /// `Path` attribute; `/` by default.
    pub path: Option<String>,
    /// `HttpOnly` attribute; on by default.
    pub http_only: bool,
    /// `SameSite` attribute; `Lax` by default.
    pub same_site: Option<String>,
    /// `Secure` attribute; off by default.
    pub secure: bool,
    /// `Max-Age` attribute in seconds; none by default (a session cookie).
    pub max_age: Option<u64>,
}

impl Default for CookieOptions {
    fn default() -> Self {
        CookieOptions {
            name: "io".into(),
            path: Some("/".into()),
            http_only: true,
            same_site: Some("Lax".into()),
            secure: false,
            max_age: None,
        }
    }
}

impl CookieOptions {
    /// Sets [`name`](Self::name).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }
    /// Sets [`path`](Self::path) (`None`: no `Path` attribute).
    pub fn path(mut self, path: Option<String>) -> Self {
        self.path = path;
        self
    }
    /// Sets [`http_only`](Self::http_only).
    pub fn http_only(mut self, on: bool) -> Self {
        self.http_only = on;
        self
    }
    /// Sets [`same_site`](Self::same_site) (`None`: no `SameSite` attribute).
    pub fn same_site(mut self, same_site: Option<String>) -> Self {
        self.same_site = same_site;
        self
    }
    /// Sets [`secure`](Self::secure).
    pub fn secure(mut self, on: bool) -> Self {
        self.secure = on;
        self
    }
    /// Sets [`max_age`](Self::max_age) in seconds (`None`: a session cookie).
    pub fn max_age(mut self, seconds: Option<u64>) -> Self {
        self.max_age = seconds;
        self
    }

    pub(crate) fn header_value(&self, sid: &str) -> String {
        let mut v = format!("{}={sid}", self.name);
        if let Some(max_age) = self.max_age {
            v.push_str(&format!("; Max-Age={max_age}"));
        }
        if let Some(path) = &self.path {
            v.push_str(&format!("; Path={path}"));
        }
        if self.http_only {
            v.push_str("; HttpOnly");
        }
        if self.secure {
            v.push_str("; Secure");
        }
        if let Some(same_site) = &self.same_site {
            v.push_str(&format!("; SameSite={same_site}"));
        }
        v
    }
}

/// Engine.IO options. Every field has the reference server's default; build one with
/// [`EngineIoConfig::default`] and the setters.
///
/// ```
/// use socketry::engineio::EngineIoConfig;
/// use std::time::Duration;
///
/// let config = EngineIoConfig::default()
///     .ping_interval(Duration::from_secs(10))
///     .max_http_buffer_size(64 * 1024);
/// assert_eq!(config.ping_timeout, Duration::from_secs(20));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct EngineIoConfig {
    /// Where the server answers; `/engine.io` by default (Socket.IO uses `/socket.io`).
    /// Requests under `{path}/` are served, as with the reference's trailing-slash default.
    pub path: String,
    /// How often the server pings (v4). Default 25 s.
    pub ping_interval: Duration,
    /// How long to wait for a pong before closing with `ping timeout`. Default 20 s.
    pub ping_timeout: Duration,
    /// How long an upgrade to WebSocket may take, from the WebSocket's opening to the `upgrade`
    /// packet. Default 10 s.
    pub upgrade_timeout: Duration,
    /// The largest message or polling body accepted, in bytes, announced as `maxPayload`.
    /// Default 1 MB (1 000 000).
    pub max_http_buffer_size: usize,
    /// Enabled transports. Default both.
    pub transports: Vec<TransportKind>,
    /// Whether polling sessions may upgrade to WebSocket. Default true.
    pub allow_upgrades: bool,
    /// Accept Engine.IO v3 clients (`socket.io-client` 2.x) beside v4 ones. Default false, as in
    /// the reference; a v3 handshake is then refused with code 5.
    pub allow_eio3: bool,
    /// The session cookie, if any. Default none.
    pub cookie: Option<CookieOptions>,
    /// Compress long-polling responses of at least this many bytes with gzip or deflate, when
    /// the client accepts it (option `httpCompression` of the reference, threshold 1024 by
    /// default). `None` turns compression off.
    pub http_compression: Option<u16>,
    /// The most bytes one read of a WebSocket takes, at most 16 KiB. Reads go into a buffer on
    /// the stack: a connection keeps no read buffer of its own between messages, only the
    /// bytes of a frame that has not all arrived (a larger frame is read into a buffer of its
    /// size). Default 4 KiB.
    pub websocket_read_buffer: usize,
    /// How many bytes of frames a WebSocket gathers before writing them; a flush writes what is
    /// there anyway. Default 8 KiB.
    pub websocket_write_buffer: usize,
    /// How many packets may wait for a slow client before sends are refused. Not an option of
    /// the reference (whose buffer is unbounded); default 16 384.
    pub max_buffered_packets: usize,
    /// How many bytes of messages may wait for a slow client before sends are refused (a
    /// broadcast's frame, shared by its receivers, counts whole for each). A message that finds
    /// the queue empty is taken whatever its size. Like the packet bound, not an option of the
    /// reference; default 8 MiB.
    ///
    /// At either bound, a volatile message is dropped, as it is whenever anything waits; any
    /// other send closes the session with reason `transport error` (the client reconnects,
    /// and with connection state recovery gets what it missed), and the send returns
    /// [`SendError::QueueFull`](super::SendError::QueueFull). A session thus holds at most about
    /// twice this bound: what waits, and the batch its transport is writing (plus the
    /// WebSocket's [`websocket_write_buffer`](Self::websocket_write_buffer)).
    pub max_buffered_bytes: usize,
    /// How long a session closed by the server waits for a polling client to collect its last
    /// packets. The reference's value: 30 s.
    pub close_timeout: Duration,
    pub(crate) allow_request: Option<AllowRequest>,
    pub(crate) cors: Option<tower_http::cors::CorsLayer>,
    /// Whether [`path`](Self::path) was set: a Socket.IO server keeps its own path otherwise.
    pub(crate) path_set: bool,
}

impl Default for EngineIoConfig {
    fn default() -> Self {
        EngineIoConfig {
            path: "/engine.io".into(),
            ping_interval: Duration::from_millis(25_000),
            ping_timeout: Duration::from_millis(20_000),
            upgrade_timeout: Duration::from_millis(10_000),
            max_http_buffer_size: 1_000_000,
            transports: vec![TransportKind::Polling, TransportKind::WebSocket],
            allow_upgrades: true,
            allow_eio3: false,
            cookie: None,
            http_compression: Some(1024),
            websocket_read_buffer: 4 * 1024,
            websocket_write_buffer: 8 * 1024,
            max_buffered_packets: 16_384,
            max_buffered_bytes: 8 << 20,
            close_timeout: Duration::from_secs(30),
            allow_request: None,
            cors: None,
            path_set: false,
        }
    }
}

impl fmt::Debug for EngineIoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineIoConfig")
            .field("path", &self.path)
            .field("ping_interval", &self.ping_interval)
            .field("ping_timeout", &self.ping_timeout)
            .field("upgrade_timeout", &self.upgrade_timeout)
            .field("max_http_buffer_size", &self.max_http_buffer_size)
            .field("transports", &self.transports)
            .field("allow_upgrades", &self.allow_upgrades)
            .field("allow_eio3", &self.allow_eio3)
            .field("cookie", &self.cookie)
            .field("http_compression", &self.http_compression)
            .field("websocket_read_buffer", &self.websocket_read_buffer)
            .field("websocket_write_buffer", &self.websocket_write_buffer)
            .field("max_buffered_packets", &self.max_buffered_packets)
            .field("max_buffered_bytes", &self.max_buffered_bytes)
            .field("allow_request", &self.allow_request.is_some())
            .field("cors", &self.cors)
            .finish()
    }
}

impl EngineIoConfig {
    /// Sets [`path`](Self::path). A trailing slash is ignored.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        let mut path = path.into();
        while path.ends_with('/') {
            path.pop();
        }
        self.path = path;
        self.path_set = true;
        self
    }
    /// Sets [`ping_interval`](Self::ping_interval).
    pub fn ping_interval(mut self, d: Duration) -> Self {
        self.ping_interval = d;
        self
    }
    /// Sets [`ping_timeout`](Self::ping_timeout).
    pub fn ping_timeout(mut self, d: Duration) -> Self {
        self.ping_timeout = d;
        self
    }
    /// Sets [`upgrade_timeout`](Self::upgrade_timeout).
    pub fn upgrade_timeout(mut self, d: Duration) -> Self {
        self.upgrade_timeout = d;
        self
    }
    /// Sets [`max_http_buffer_size`](Self::max_http_buffer_size).
    pub fn max_http_buffer_size(mut self, bytes: usize) -> Self {
        self.max_http_buffer_size = bytes;
        self
    }
    /// Sets [`transports`](Self::transports).
    pub fn transports(mut self, transports: impl IntoIterator<Item = TransportKind>) -> Self {
        self.transports = transports.into_iter().collect();
        self
    }
    /// Sets [`allow_upgrades`](Self::allow_upgrades).
    pub fn allow_upgrades(mut self, allow: bool) -> Self {
        self.allow_upgrades = allow;
        self
    }
    /// Sets [`allow_eio3`](Self::allow_eio3).
    pub fn allow_eio3(mut self, allow: bool) -> Self {
        self.allow_eio3 = allow;
        self
    }
    /// Sets [`cookie`](Self::cookie).
    pub fn cookie(mut self, cookie: CookieOptions) -> Self {
        self.cookie = Some(cookie);
        self
    }
    /// Sets [`http_compression`](Self::http_compression).
    pub fn http_compression(mut self, threshold: Option<u16>) -> Self {
        self.http_compression = threshold;
        self
    }
    /// Sets [`websocket_read_buffer`](Self::websocket_read_buffer) and
    /// [`websocket_write_buffer`](Self::websocket_write_buffer).
    pub fn websocket_buffers(mut self, read: usize, write: usize) -> Self {
        self.websocket_read_buffer = read.max(1);
        self.websocket_write_buffer = write;
        self
    }
    /// Sets [`max_buffered_packets`](Self::max_buffered_packets).
    pub fn max_buffered_packets(mut self, n: usize) -> Self {
        self.max_buffered_packets = n.max(1);
        self
    }
    /// Sets [`max_buffered_bytes`](Self::max_buffered_bytes).
    pub fn max_buffered_bytes(mut self, bytes: usize) -> Self {
        self.max_buffered_bytes = bytes.max(1);
        self
    }
    /// Sets [`close_timeout`](Self::close_timeout).
    pub fn close_timeout(mut self, d: Duration) -> Self {
        self.close_timeout = d;
        self
    }
    /// Sets [`websocket_read_buffer`](Self::websocket_read_buffer).
    pub fn websocket_read_buffer(mut self, bytes: usize) -> Self {
        self.websocket_read_buffer = bytes;
        self
    }
    /// Sets [`websocket_write_buffer`](Self::websocket_write_buffer).
    pub fn websocket_write_buffer(mut self, bytes: usize) -> Self {
        self.websocket_write_buffer = bytes;
        self
    }
    /// Answers CORS requests (preflights included) with this layer, as the reference's `cors`
    /// option does. `tower_http::cors::CorsLayer::permissive()` matches `cors: { origin: "*" }`.
    pub fn cors(mut self, cors: tower_http::cors::CorsLayer) -> Self {
        self.cors = Some(cors);
        self
    }
    /// An async hook run before every handshake (option `allowRequest` of the reference).
    /// `Err(message)` refuses the handshake with HTTP 403 `{"code":4,"message":message}`.
    ///
    /// ```
    /// use socketry::engineio::EngineIoConfig;
    ///
    /// let config = EngineIoConfig::default().allow_request(|req| async move {
    ///     match req.headers.get("x-token") {
    ///         Some(t) if t == "secret" => Ok(()),
    ///         _ => Err("missing token".to_owned()),
    ///     }
    /// });
    /// ```
    pub fn allow_request<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Arc<RequestInfo>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        self.allow_request = Some(Arc::new(move |req| Box::pin(hook(req))));
        self
    }

    pub(crate) fn upgrades_for(&self, transport: TransportKind) -> Vec<&'static str> {
        if transport == TransportKind::Polling
            && self.allow_upgrades
            && self.transports.contains(&TransportKind::WebSocket)
        {
            vec!["websocket"]
        } else {
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_defaults() {
        let c = EngineIoConfig::default();
        assert_eq!(c.path, "/engine.io");
        assert_eq!(c.ping_interval, Duration::from_secs(25));
        assert_eq!(c.ping_timeout, Duration::from_secs(20));
        assert_eq!(c.upgrade_timeout, Duration::from_secs(10));
        assert_eq!(c.max_http_buffer_size, 1_000_000);
        assert!(c.allow_upgrades && !c.allow_eio3 && c.cookie.is_none());
    }

    #[test]
    fn path_drops_trailing_slashes() {
        assert_eq!(EngineIoConfig::default().path("/x/").path, "/x");
    }

    #[test]
    fn cookie_header() {
        let c = CookieOptions::default();
        assert_eq!(
            c.header_value("abc"),
            "io=abc; Path=/; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn upgrades() {
        let c = EngineIoConfig::default();
        assert_eq!(c.upgrades_for(TransportKind::Polling), vec!["websocket"]);
        assert!(c.upgrades_for(TransportKind::WebSocket).is_empty());
        let c = c.allow_upgrades(false);
        assert!(c.upgrades_for(TransportKind::Polling).is_empty());
    }
}
