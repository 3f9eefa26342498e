//! `socket.handshake`: what the server knows of a socket's connection.

use crate::protocol::RequestInfo;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

/// What the server knows of a socket's connection: the request that opened it and the auth
/// payload of its `CONNECT` (`socket.handshake` in the reference).
///
/// The request's parts are read from the session's request, which every socket of the
/// connection shares, rather than copied into each socket.
///
/// ```no_run
/// # let io = socketry::Server::new(Default::default());
/// io.of("/").on_connection(|socket: socketry::Socket| async move {
///     let handshake = socket.handshake();
///     let token = handshake.query().get("token").cloned();
///     let agent = handshake.headers().get("user-agent");
///     let name = handshake.auth["name"].as_str();
///     println!("{:?} {token:?} {agent:?} {name:?}", handshake.address());
/// });
/// ```
#[derive(Debug, Clone)]
pub struct Handshake {
    request: Arc<RequestInfo>,
    /// The auth payload of the `CONNECT` packet (`{}` when there was none).
    pub auth: serde_json::Value,
}

impl Handshake {
    /// A handshake from its request and `CONNECT` auth payload: how a node describes a socket
    /// it learned of from another node.
    pub fn new(request: Arc<RequestInfo>, auth: serde_json::Value) -> Self {
        Handshake { request, auth }
    }

    /// The headers of the request that opened the connection.
    pub fn headers(&self) -> &http::HeaderMap {
        &self.request.headers
    }

    /// The query parameters of that request (the last of repeated ones, as Node reads them).
    pub fn query(&self) -> HashMap<String, String> {
        self.request
            .uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default()
    }

    /// The request URL (path and query).
    pub fn url(&self) -> &str {
        self.request.uri.path_and_query().map_or("", |p| p.as_str())
    }

    /// The client's IP address and port, when known.
    pub fn address(&self) -> Option<SocketAddr> {
        self.request.remote_addr
    }

    /// When the connection was opened.
    pub fn time(&self) -> SystemTime {
        self.request.time
    }

    /// Whether the request came from another origin (it had an `Origin` header).
    pub fn xdomain(&self) -> bool {
        self.request.headers.contains_key(http::header::ORIGIN)
    }
}
