//! A typed chat server: rooms, messages acknowledged with their id, typing notices, and a page
//! to try it in a browser.
//!
//! ```sh
//! cargo run --example chat
//! # then open http://127.0.0.1:3000 in two windows
//! ```
//!
//! Every event is declared once, as a Rust trait: the compiler checks each `emit` and each
//! handler against it. The page gets the same types: `chat/events.d.ts` is generated from the
//! traits (`#[events(typescript)]`; this file's test regenerates it and fails if it changed),
//! and `tsc` checks the page's script, `chat/client.js`, against it.

use serde::{Deserialize, Serialize};
use socketry::{Ack, MiddlewareError, Server, ServerConfig, Socket, events};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// What a chat client sends.
#[events(rename_all = "camelCase", typescript)]
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
#[events(rename_all = "camelCase", typescript)]
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
#[events(typescript)]
pub trait InterServerEvents {}

/// A chat message as clients see it.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
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
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, ts_rs::TS)]
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
    let app = io
        .router()
        .route(
            "/",
            axum::routing::get(|| async { axum::response::Html(PAGE) }),
        )
        .route(
            "/client.js",
            axum::routing::get(|| async {
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "text/javascript; charset=utf-8",
                    )],
                    CLIENT,
                )
            }),
        );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    tracing::info!("chat on http://127.0.0.1:{port}");
    // Until Ctrl-C or SIGTERM; then every client is told the server is shutting down.
    io.serve_app(listener, app, socketry::shutdown_signal())
        .await
}

const PAGE: &str = include_str!("index.html");
const CLIENT: &str = include_str!("client.js");

#[cfg(test)]
mod tests {
    /// `events.d.ts` is what the traits declare: regenerate it with `UPDATE_TS=1 cargo test
    /// --example chat` after changing them.
    #[test]
    fn typescript_declarations_are_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("chat/events.d.ts");
        let fresh = socketry::typescript::declarations::<
            dyn super::ClientEvents,
            dyn super::ServerEvents,
            dyn super::InterServerEvents,
            super::User,
        >();
        if std::env::var_os("UPDATE_TS").is_some() {
            std::fs::write(&path, &fresh).unwrap();
        }
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            current == fresh,
            "chat/events.d.ts is out of date: run `UPDATE_TS=1 cargo test -p socketry-examples --example chat`\n--- now:\n{fresh}"
        );
    }
}
