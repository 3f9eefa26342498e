//! The limits of the HTTP server that [`serve_with`](super::serve_with) runs: how long a client
//! may take to send its request headers, how large they may be, and how many connections are
//! served at once. Named after the options of Node's `http.Server`, which the reference runs on.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The limits of the HTTP server under [`serve_with`](crate::serve_with) (and
/// [`Server::serve`](crate::Server::serve), which takes them from
/// [`ServerConfig::http`](crate::ServerConfig::http)).
///
/// A server facing the internet needs each of them: without a headers timeout, a client that
/// sends its headers a byte at a time holds a connection (and its memory) for ever; without a
/// connection limit, enough such clients exhaust the process's file descriptors.
///
/// ```
/// use socketry::HttpServerConfig;
/// use std::time::Duration;
///
/// let limits = HttpServerConfig::default()
///     .headers_timeout(Duration::from_secs(10))
///     .max_connections(20_000);
/// assert_eq!(limits.max_header_size, 16 * 1024);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpServerConfig {
    /// How long a connection may wait for the headers of its next request, counted from when
    /// it starts waiting: a client that has not sent all of them by then is disconnected, and
    /// so is a keep-alive connection idle that long. Node's `headersTimeout` is 60 s; default
    /// 30 s, which long-polling clients never reach (they send a request as soon as the last
    /// one is answered).
    pub headers_timeout: Duration,
    /// The most bytes of request line and headers a request may have; a larger one is
    /// answered `431 Request Header Fields Too Large` and its connection closed. Node's
    /// `maxHeaderSize`: 16 KiB.
    pub max_header_size: usize,
    /// The most connections served at once, WebSocket connections included for as long as
    /// they last. A connection past it is answered `503 Service Unavailable` and closed (Node's
    /// `maxConnections` closes it without an answer). Default 100 000.
    pub max_connections: usize,
    /// How long a shutdown waits for the requests in progress to end before it drops their
    /// connections (a client uploading slowly cannot hold the server up). Default 10 s.
    pub shutdown_timeout: Duration,
}

impl Default for HttpServerConfig {
    fn default() -> Self {
        HttpServerConfig {
            headers_timeout: Duration::from_secs(30),
            max_header_size: 16 * 1024,
            max_connections: 100_000,
            shutdown_timeout: Duration::from_secs(10),
        }
    }
}

impl HttpServerConfig {
    /// Sets [`headers_timeout`](Self::headers_timeout).
    pub fn headers_timeout(mut self, timeout: Duration) -> Self {
        self.headers_timeout = timeout;
        self
    }
    /// Sets [`max_header_size`](Self::max_header_size).
    pub fn max_header_size(mut self, bytes: usize) -> Self {
        self.max_header_size = bytes;
        self
    }
    /// Sets [`max_connections`](Self::max_connections).
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n;
        self
    }
    /// Sets [`shutdown_timeout`](Self::shutdown_timeout).
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }
}

/// One of the [`max_connections`](HttpServerConfig::max_connections) slots, held by the
/// connection's task and put in each of its requests, so that the WebSocket a request upgrades
/// to keeps it until the session ends.
#[derive(Clone)]
pub(crate) struct ConnectionSlot {
    _permit: Arc<OwnedSemaphorePermit>,
}

/// The slots of one [`serve_with`](super::serve_with).
#[derive(Clone)]
pub(crate) struct Slots(Arc<Semaphore>);

impl Slots {
    pub(crate) fn new(max: usize) -> Self {
        Slots(Arc::new(Semaphore::new(max.min(Semaphore::MAX_PERMITS))))
    }

    /// A slot, if one is free.
    pub(crate) fn take(&self) -> Option<ConnectionSlot> {
        let permit = self.0.clone().try_acquire_owned().ok()?;
        Some(ConnectionSlot {
            _permit: Arc::new(permit),
        })
    }
}
