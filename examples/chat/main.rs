//! A typed chat server: rooms, messages acknowledged with their id, typing notices, and a page
//! to try it in a browser.
//!
//! ```sh
//! cargo run --example chat
//! # then open http://127.0.0.1:3000 in two windows
//! ```
//!
//! Every event is declared once, as a Rust trait: the compiler checks each `emit` and each
//! handler against it. A Node client would declare the same events as TypeScript interfaces.

use serde::{Deserialize, Serialize};
use socketry::{Ack, MiddlewareError, Server, ServerConfig, Socket, events};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// What a chat client sends.
#[events(rename_all = "camelCase")]
pub trait ClientEvents {
    /// Joins a room; the answer lists who was already there.
    fn join_room(room: String) -> Vec<String>;
    /// Leaves a room.
    fn leave_room(room: String);
    /// Posts a message to a room; the answer is the message's id.
    fn send_message(room: String, text: String) -> u64;
    /// Says whether the user is typing in a room.
    fn typing(room: String, typing: bool);
}

/// What the server sends to chat clients.
#[events(rename_all = "camelCase")]
pub trait ServerEvents {
    /// A message posted to a room the client is in.
    fn message(message: ChatMessage);
    /// Someone started or stopped typing in a room.
    fn typing(room: String, user: String, typing: bool);
    /// Someone joined a room.
    fn user_joined(room: String, user: String);
    /// Someone left a room (or the chat).
    fn user_left(room: String, user: String);
}

/// What servers of a cluster tell each other (none yet; declared so that the type is complete).
#[events]
pub trait InterServerEvents {}

/// A chat message as clients see it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Unique per server run.
    pub id: u64,
    /// The room it was posted to.
    pub room: String,
    /// Who posted it.
    pub from: String,
    /// What they wrote.
    pub text: String,
}

/// What the server keeps for each socket (`socket.data`).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct User {
    /// The name given in the handshake (`auth: { name }`).
    pub name: String,
}

/// The server, with its events and data spelled out once.
type Io = Server<dyn ClientEvents, dyn ServerEvents, dyn InterServerEvents, User>;
/// A connected chat client.
type ChatSocket = Socket<dyn ClientEvents, dyn ServerEvents, User>;

/// Handles every client event; the compiler rejects this impl if one is missing.
struct Chat {
    next_id: AtomicU64,
}

impl ClientEventsHandler<dyn ServerEvents, User> for Chat {
    async fn join_room(&self, socket: ChatSocket, room: String, ack: Ack<Vec<String>>) {
        let name = socket.data().name.clone();
        let members: Vec<String> = socket
            .to(room.as_str())
            .sockets()
            .iter()
            .map(|s| s.data().name.clone())
            .collect();
        socket.join(room.as_str());
        let _ = socket.to(room.as_str()).emit().user_joined(&room, &name);
        let _ = ack.send(&members);
    }

    async fn leave_room(&self, socket: ChatSocket, room: String) {
        socket.leave(room.as_str());
        let name = socket.data().name.clone();
        let _ = socket.to(room.as_str()).emit().user_left(&room, &name);
    }

    async fn send_message(&self, socket: ChatSocket, room: String, text: String, ack: Ack<u64>) {
        let message = ChatMessage {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            from: socket.data().name.clone(),
            room,
            text,
        };
        // Everyone in the room, the sender included, sees the message in the same order.
        let _ = socket.to(message.room.as_str()).emit().message(&message);
        let _ = socket.emit().message(&message);
        let _ = ack.send(&message.id);
    }

    async fn typing(&self, socket: ChatSocket, room: String, typing: bool) {
        let name = socket.data().name.clone();
        let _ = socket.to(room.as_str()).emit().typing(&room, &name, typing);
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    // The page loads the official browser client from this server (no CDN): the npm package
    // beside this file, installed by `npm ci --prefix examples/chat`.
    let client =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("chat/node_modules/socket.io-client");
    if !client.join("dist/socket.io.js").is_file() {
        tracing::error!(
            "the browser client is not installed: run `npm ci --prefix examples/chat` (the page cannot connect without it)"
        );
    }
    let io = Io::typed(ServerConfig::default().serve_client(client));
    let chat = Arc::new(Chat {
        next_id: AtomicU64::new(1),
    });
    io.of("/")
        .middleware(|socket: ChatSocket| async move {
            // The name comes with the handshake: `io({ auth: { name: "ann" } })`.
            let name = socket.handshake().auth["name"]
                .as_str()
                .unwrap_or("")
                .trim();
            if name.is_empty() || name.len() > 32 {
                return Err(MiddlewareError::new(
                    "a name of 1 to 32 characters is required",
                ));
            }
            socket.data().name = name.to_owned();
            Ok(())
        })
        .on_event_error(|socket, error| {
            tracing::warn!(sid = %socket.id(), "{error}");
        })
        .on_connection(move |socket: ChatSocket| {
            let chat = chat.clone();
            async move {
                socket.handle_shared(chat);
                socket.on_disconnecting(|socket, _reason| {
                    let name = socket.data().name.clone();
                    for room in socket.rooms() {
                        if room != socket.id() {
                            let _ = socket.to(room.clone()).emit().user_left(&room, &name);
                        }
                    }
                });
            }
        });

    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let app = io.router().route(
        "/",
        axum::routing::get(|| async { axum::response::Html(PAGE) }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    tracing::info!("chat on http://127.0.0.1:{port}");
    // Until Ctrl-C or SIGTERM; then every client is told the server is shutting down.
    io.serve_app(listener, app, socketry::shutdown_signal())
        .await
}

const PAGE: &str = include_str!("index.html");
