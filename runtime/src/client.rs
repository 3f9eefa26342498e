//! One Engine.IO connection seen from Socket.IO: its sockets (one per namespace joined), the
//! binary packet being reassembled, and the dispatch of every decoded packet.

use crate::engineio::{
    CloseReason, EngineHandler, EngineSocket, Message, ProtocolVersion, SendError,
};
use crate::protocol::Str;
use crate::protocol::socketio::packet::{DecodeLimits, Packet, PacketType, ParseError, Payload};
use crate::protocol::socketio::{Args, EncodedPacket, binary};
use crate::server::ServerInner;
use crate::socket::{DisconnectReason, Socket};
use bytes::Bytes;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// A binary packet waiting for its attachments.
struct Partial {
    packet: Packet,
    attachments: Vec<Bytes>,
}

pub(crate) struct Client {
    engine: Arc<EngineSocket>,
    /// Namespace → the socket this client has in it.
    sockets: Mutex<HashMap<Str, Socket>>,
    /// Namespaces whose `CONNECT` is being handled (middlewares running).
    connecting: Mutex<HashSet<Str>>,
    partial: Mutex<Option<Partial>>,
    server: Weak<ServerInner>,
    /// Waiting for its `connect_timeout`: it has neither joined a namespace (the reference
    /// clears its timer then) nor closed. Whoever takes it settles the server's watch.
    connect_deadline: AtomicBool,
    limits: DecodeLimits,
}

impl Client {
    pub(crate) fn new(
        engine: Arc<EngineSocket>,
        server: Weak<ServerInner>,
        limits: DecodeLimits,
    ) -> Arc<Self> {
        Arc::new(Client {
            engine,
            sockets: Mutex::default(),
            connecting: Mutex::default(),
            partial: Mutex::default(),
            server,
            connect_deadline: AtomicBool::new(false),
            limits,
        })
    }

    /// Ends the wait for `connect_timeout`, if this call is the one that ends it.
    pub(crate) fn take_connect_deadline(&self) -> bool {
        self.connect_deadline.swap(false, Ordering::AcqRel)
    }

    /// Joined or closed: the server no longer waits to close it.
    fn settle_connect_deadline(&self) {
        if self.take_connect_deadline()
            && let Some(server) = self.server.upgrade()
        {
            server.connect_timeout.settle();
        }
    }

    pub(crate) fn engine(&self) -> &Arc<EngineSocket> {
        &self.engine
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.engine.is_closed()
    }

    /// Writes a packet: its text, then its attachments, all or nothing. A volatile packet is
    /// dropped when the connection already has packets waiting.
    pub(crate) fn send(&self, packet: &EncodedPacket, volatile: bool) -> Result<(), SendError> {
        Self::send_to(&self.engine, packet, volatile)
    }

    /// [`send`](Self::send), on the client's session.
    pub(crate) fn send_to(
        engine: &Arc<EngineSocket>,
        packet: &EncodedPacket,
        volatile: bool,
    ) -> Result<(), SendError> {
        if volatile && engine.queued() > 0 {
            crate::metrics::queue_overflow(false);
            return Ok(());
        }
        match engine.send_shared(&packet.frame, &packet.attachments) {
            Err(SendError::QueueFull) => {
                // A client this far behind would only fall further; let it reconnect. Closed a
                // moment later rather than here: a broadcast gets here holding the namespace's
                // and the adapter's locks, which closing a socket takes too.
                tracing::warn!(sid = %engine.id(), "send queue full: closing the connection");
                crate::metrics::queue_overflow(true);
                engine.terminate_soon(CloseReason::TransportError);
                Err(SendError::QueueFull)
            }
            other => other,
        }
    }

    /// A text message: a packet, or a protocol error.
    pub(crate) fn on_text(self: &Arc<Self>, text: Str) {
        if self.partial.lock().expect("partial lock").is_some() {
            return self.on_parse_error(ParseError::UnexpectedText);
        }
        let packet = match Packet::decode_with(text, self.limits) {
            Ok(p) => p,
            Err(e) => return self.on_parse_error(e),
        };
        if packet.attachments > 0 {
            *self.partial.lock().expect("partial lock") = Some(Partial {
                packet,
                attachments: Vec::new(),
            });
            return;
        }
        self.complete(packet, Vec::new());
    }

    /// A binary message: the next attachment of the packet being reassembled.
    pub(crate) fn on_binary(self: &Arc<Self>, data: Bytes) {
        let done = {
            let mut partial = self.partial.lock().expect("partial lock");
            let Some(p) = partial.as_mut() else {
                drop(partial);
                return self.on_parse_error(ParseError::UnexpectedBinary);
            };
            p.attachments.push(data);
            if p.attachments.len() == p.packet.attachments {
                partial.take()
            } else {
                None
            }
        };
        if let Some(Partial {
            packet,
            attachments,
        }) = done
        {
            self.complete(packet, attachments);
        }
    }

    /// Checks a complete packet's placeholders, then dispatches it.
    fn complete(self: &Arc<Self>, packet: Packet, attachments: Vec<Bytes>) {
        if packet.attachments > 0 {
            let args = match &packet.payload {
                Payload::Event { args, .. } | Payload::Ack(args) => Some(args),
                _ => None,
            };
            let valid = args.is_some_and(|args| {
                args.iter().all(|json| {
                    serde_json::from_str(json)
                        .is_ok_and(|v| binary::check_placeholders(&v, attachments.len()).is_ok())
                })
            });
            if !valid {
                return self.on_parse_error(ParseError::InvalidPlaceholder);
            }
        }
        self.dispatch(packet, attachments);
    }

    /// Whether the client speaks Socket.IO v4 (a v2 client, on Engine.IO v3).
    pub(crate) fn is_v4_protocol(&self) -> bool {
        self.engine.protocol() == ProtocolVersion::V3
    }

    fn dispatch(self: &Arc<Self>, mut packet: Packet, attachments: Vec<Bytes>) {
        // A v2 client puts its auth after the namespace, as a query: `40/admin?token=abc,`.
        let mut query_auth = None;
        if self.is_v4_protocol()
            && let Some(q) = packet.nsp.find('?')
        {
            let auth: serde_json::Map<String, serde_json::Value> =
                form_urlencoded::parse(packet.nsp[q + 1..].as_bytes())
                    .map(|(k, v)| (k.into_owned(), serde_json::Value::String(v.into_owned())))
                    .collect();
            query_auth = Some(serde_json::Value::Object(auth));
            packet.nsp = packet.nsp.slice(0..q);
        }
        let socket = {
            let sockets = self.sockets.lock().expect("sockets lock");
            if sockets.len() == 1 {
                // Most clients are in one namespace: compared, not hashed.
                sockets
                    .iter()
                    .next()
                    .filter(|(nsp, _)| **nsp == packet.nsp)
                    .map(|(_, s)| s.clone())
            } else {
                sockets.get(&packet.nsp).cloned()
            }
        };
        match (socket, packet.kind) {
            (None, PacketType::Connect) => self.on_connect(packet, query_auth),
            (Some(socket), PacketType::Event | PacketType::BinaryEvent) => {
                if let Payload::Event { name, args } = packet.payload {
                    socket.on_event(name, Args::new(args, attachments), packet.id);
                }
            }
            (Some(socket), PacketType::Ack | PacketType::BinaryAck) => {
                if let (Some(id), Payload::Ack(args)) = (packet.id, packet.payload) {
                    socket.on_ack(id, Args::new(args, attachments));
                }
            }
            (Some(socket), PacketType::Disconnect) => {
                socket.on_close(DisconnectReason::ClientNamespaceDisconnect)
            }
            // A second CONNECT, a CONNECT_ERROR from a client, or any packet for a namespace it
            // has not joined: the reference closes the connection.
            (_, kind) => {
                tracing::debug!(sid = %self.engine.id(), nsp = %packet.nsp, ?kind, "packet out of turn");
                self.close(DisconnectReason::ForcedServerClose);
            }
        }
    }

    /// The implicit join of `/` by a v2 client, which sends no `CONNECT` for it.
    pub(crate) fn connect_main(self: &Arc<Self>) {
        self.on_connect(
            Packet {
                kind: PacketType::Connect,
                nsp: Str::from_static("/"),
                id: None,
                attachments: 0,
                payload: Payload::None,
            },
            None,
        );
    }

    fn on_connect(self: &Arc<Self>, packet: Packet, query_auth: Option<serde_json::Value>) {
        let nsp = packet.nsp;
        if !self
            .connecting
            .lock()
            .expect("connecting lock")
            .insert(nsp.clone())
        {
            tracing::debug!(sid = %self.engine.id(), %nsp, "CONNECT while connecting");
            return self.close(DisconnectReason::ForcedServerClose);
        }
        let auth = match (packet.payload, query_auth) {
            (_, Some(auth)) => auth,
            (Payload::Auth(json), None) => serde_json::from_str(&json).unwrap_or_default(),
            _ => serde_json::Value::Object(Default::default()),
        };
        let Some(server) = self.server.upgrade() else {
            return;
        };
        let client = self.clone();
        // The middlewares run in it: what they log says which session and namespace.
        let span = tracing::debug_span!("connect", session = %self.engine.id(), nsp = %nsp);
        // Begun here, as a handler is: without asynchronous middlewares the socket is admitted
        // and answered before the next packet is read, and no task is spawned for it.
        crate::handler::run(
            Box::pin(async move { server.connect(client, nsp, auth).await }),
            span,
            |panic| tracing::error!(panic, "the handling of a CONNECT panicked"),
        );
    }

    /// The end of a `CONNECT`: the socket admitted, or none.
    pub(crate) fn connect_done(&self, nsp: &str, socket: Option<Socket>) {
        self.connecting.lock().expect("connecting lock").remove(nsp);
        if let Some(socket) = socket {
            self.sockets
                .lock()
                .expect("sockets lock")
                .insert(Str::from(nsp), socket);
            self.settle_connect_deadline();
        }
    }

    /// Forgets a socket that left its namespace.
    pub(crate) fn remove(&self, socket: &Socket) {
        let mut sockets = self.sockets.lock().expect("sockets lock");
        if sockets.get(socket.ns()).is_some_and(|s| s == socket) {
            sockets.remove(socket.ns());
        }
    }

    fn on_parse_error(&self, error: ParseError) {
        tracing::debug!(sid = %self.engine.id(), %error, "parse error");
        // Sockets learn `parse error` through the engine's close.
        self.engine.terminate(CloseReason::ParseError);
    }

    /// `socket.disconnect(true)`: every socket leaves with `server namespace disconnect`, then
    /// the connection closes.
    pub(crate) fn disconnect_all(&self) {
        for socket in self.current_sockets() {
            socket.disconnect(false);
        }
        self.close(DisconnectReason::ForcedServerClose);
    }

    /// Closes the connection from the server side; the sockets still here leave with `reason`.
    pub(crate) fn close(&self, reason: DisconnectReason) {
        for socket in self.current_sockets() {
            socket.on_close(reason);
        }
        self.engine.close();
    }

    /// The connection closed: every socket leaves with the matching reason.
    pub(crate) fn on_engine_close(&self, reason: CloseReason) {
        self.settle_connect_deadline();
        self.partial.lock().expect("partial lock").take();
        for socket in self.current_sockets() {
            socket.on_close(reason.into());
        }
    }

    fn current_sockets(&self) -> Vec<Socket> {
        self.sockets
            .lock()
            .expect("sockets lock")
            .values()
            .cloned()
            .collect()
    }
}

/// Connects the Engine.IO sessions to Socket.IO: each session carries its [`Client`] as its
/// state, so that a message reaches its client without a lookup.
pub(crate) struct Bridge(pub(crate) Weak<ServerInner>);

impl EngineHandler for Bridge {
    fn on_connect(&self, socket: &Arc<EngineSocket>) {
        let Some(server) = self.0.upgrade() else {
            return;
        };
        let client = Client::new(
            socket.clone(),
            self.0.clone(),
            server.config.decode_limits(),
        );
        socket.set_state(client.clone());
        // Watched before anything can join it: joining settles the watch.
        client.connect_deadline.store(true, Ordering::Release);
        server.connect_timeout.watch(&client);
        if socket.protocol() == ProtocolVersion::V3 {
            // Socket.IO v4 (v2 clients): the main namespace is joined implicitly.
            client.connect_main();
        }
    }

    fn on_message(&self, socket: &Arc<EngineSocket>, message: Message) {
        let Some(client) = socket.state::<Client>() else {
            return;
        };
        match message {
            Message::Text(text) => client.on_text(text),
            Message::Binary(data) => client.on_binary(data),
        }
    }

    fn on_disconnect(&self, socket: &Arc<EngineSocket>, reason: CloseReason) {
        if let Some(client) = socket.state::<Client>() {
            client.on_engine_close(reason);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::harness::{TestClient, quick_config};
    use crate::{Server, Socket};
    use serde_json::json;

    #[tokio::test]
    async fn binary_attachments_are_reassembled_and_a_bad_packet_closes_the_session() {
        let io = Server::new(quick_config());
        io.of("/").on_connection(|socket: Socket| async move {
            socket.on("file", |socket, args, _| async move {
                let data: bytes::Bytes = args.get(0).unwrap_or_default();
                let _ = socket.emit("size", &data.len());
            });
        });
        let mut c = TestClient::open(&io).await;
        c.connect("/", json!({})).await;
        // Over polling (v4), a binary message is `b` and its base64.
        c.send(&[r#"451-["file",{"_placeholder":true,"num":0}]"#, "bAQID"])
            .await;
        assert_eq!(c.event().await, json!(["size", 3]));
        c.send(&["4_not a packet"]).await;
        let closed = tokio::time::timeout(std::time::Duration::from_secs(3), async {
            while !io.sockets().is_empty() {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        })
        .await;
        assert!(closed.is_ok(), "a parse error closes the session");
    }
}
