//! A typed chat server and its page: rooms with their member list and latest messages,
//! messages marked delivered by their acknowledgement, typing notices, and connection state
//! recovery, so that a page whose network drops comes back with nothing missed (after a
//! server restart, which loses the state, pages join their room again).
//!
//! ```sh
//! cargo run --example chat
//! # then open http://127.0.0.1:3000 in two windows
//! ```
//!
//! `PORT` picks the port (3000), `RUST_LOG` what is logged (`info`). The page is tested in
//! headless Chromium by `tests/node/browser.test.mjs`.
//!
//! Every event is declared once, as a Rust trait: the compiler checks each `emit` and each
//! handler against it. The page gets the same types: `chat/events.d.ts` is generated from the
//! traits (`#[events(typescript)]`; this file's test regenerates it and fails if it changed),
//! and `tsc` checks the page's script, `chat/client.js`, against it.

use serde::{Deserialize, Serialize};
use socketry::{
    Ack, ConnectionStateRecovery, DisconnectReason, MiddlewareError, Server, ServerConfig, Socket,
    events,
};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// What a chat client sends.
#[events(rename_all = "camelCase", typescript)]
pub trait ClientEvents {
    /// Joins a room (leaving the one the client was in); the answer is the room as it is now:
    /// who is there, and its latest messages.
    fn join_room(room: String) -> RoomState;
    /// Leaves a room.
    fn leave_room(room: String);
    /// Posts a message to a room; the answer is the message as the room got it (its id and
    /// time): the sender's "delivered".
    fn send_message(room: String, text: String) -> ChatMessage;
    /// Says whether the user is typing in a room.
    fn typing(room: String, typing: bool);
}

/// What the server sends to chat clients.
#[events(rename_all = "camelCase", typescript)]
pub trait ServerEvents {
    /// A message someone else posted to a room the client is in.
    fn message(message: ChatMessage);
    /// Someone started or stopped typing in a room.
    fn typing(room: String, user: String, typing: bool);
    /// Who is in a room now, after someone came or went.
    fn members(room: String, members: Vec<String>);
    /// Something that happened in a room ("ann joined", "bob lost their connection").
    fn notice(room: String, text: String);
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
    /// When the server got it, in milliseconds since 1970.
    pub at: u64,
}

/// A room as a client joining it finds it.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct RoomState {
    /// The room's name.
    pub room: String,
    /// Who is in it, the client included.
    pub members: Vec<String>,
    /// Its latest messages, oldest first.
    pub history: Vec<ChatMessage>,
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

/// How many messages a room keeps for those who join it, and how many rooms keep any.
const HISTORY: usize = 50;
const ROOMS_WITH_HISTORY: usize = 1000;

/// Handles every client event; the compiler rejects this impl if one is missing.
struct Chat {
    next_id: AtomicU64,
    /// Each room's latest messages.
    history: Mutex<HashMap<String, VecDeque<ChatMessage>>>,
}

/// The names of the sockets in `room` (on this server), sorted.
fn members(socket: &ChatSocket, room: &str) -> Vec<String> {
    let mut names: Vec<String> = socket
        .namespace()
        .to(room)
        .sockets()
        .iter()
        .map(|s| s.data().name.clone())
        .collect();
    names.sort();
    names
}

/// The rooms `socket` is in, its own room left out.
fn chat_rooms(socket: &ChatSocket) -> Vec<String> {
    let own = socket.id();
    socket
        .rooms()
        .into_iter()
        .filter(|r| **r != *own)
        .map(|r| r.to_string())
        .collect()
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl Chat {
    /// `socket` leaves `room`: the others see it go, and its typing notice with it.
    fn leave(&self, socket: &ChatSocket, room: &str) {
        socket.leave(room);
        Self::gone(socket, room, "left");
    }

    /// Tells the others in `room` that `socket` is gone (`how`), as if it had left: a socket
    /// disconnecting stays in its rooms, which its session keeps for recovery.
    fn gone(socket: &ChatSocket, room: &str, how: &str) {
        let name = socket.data().name.clone();
        let (others, room) = (|| socket.to(room), room.to_owned());
        let mut now = members(socket, &room);
        if let Some(me) = now.iter().position(|n| *n == name)
            && socket.rooms().iter().any(|r| **r == *room)
        {
            now.remove(me);
        }
        let _ = others().emit().typing(&room, &name, false);
        let _ = others().emit().members(&room, &now);
        let _ = others().emit().notice(&room, format!("{name} {how}"));
    }
}

impl ClientEventsHandler<dyn ServerEvents, User> for Chat {
    async fn join_room(&self, socket: ChatSocket, room: String, ack: Ack<RoomState>) {
        let room: String = room.trim().chars().take(32).collect();
        for current in chat_rooms(&socket) {
            if current != room {
                self.leave(&socket, &current);
            }
        }
        socket.join(room.as_str());
        let name = socket.data().name.clone();
        let now = members(&socket, &room);
        let _ = socket.to(room.as_str()).emit().members(&room, &now);
        let _ = socket
            .to(room.as_str())
            .emit()
            .notice(&room, format!("{name} joined"));
        let history = self.history.lock().expect("history lock");
        let history = history.get(&room).map(|h| h.iter().cloned().collect());
        let _ = ack.send(&RoomState {
            room,
            members: now,
            history: history.unwrap_or_default(),
        });
    }

    async fn leave_room(&self, socket: ChatSocket, room: String) {
        self.leave(&socket, &room);
    }

    async fn send_message(
        &self,
        socket: ChatSocket,
        room: String,
        text: String,
        ack: Ack<ChatMessage>,
    ) {
        if !socket.rooms().iter().any(|r| **r == *room) {
            return; // not in it: no answer, the page shows it undelivered
        }
        let message = ChatMessage {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            from: socket.data().name.clone(),
            room,
            text: text.chars().take(2000).collect(),
            at: now_ms(),
        };
        {
            let mut history = self.history.lock().expect("history lock");
            if history.len() < ROOMS_WITH_HISTORY || history.contains_key(&message.room) {
                let kept = history.entry(message.room.clone()).or_default();
                kept.push_back(message.clone());
                if kept.len() > HISTORY {
                    kept.pop_front();
                }
            }
        }
        let others = || socket.to(message.room.as_str());
        // Sent means done typing.
        let _ = others().emit().typing(&message.room, &message.from, false);
        let _ = others().emit().message(&message);
        let _ = ack.send(&message);
    }

    async fn typing(&self, socket: ChatSocket, room: String, typing: bool) {
        let name = socket.data().name.clone();
        let _ = socket.to(room.as_str()).emit().typing(&room, &name, typing);
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // RUST_LOG picks what is logged (default `info`: each client joining and leaving);
    // `RUST_LOG=socketry=debug` shows every session, refusal and parse error.
    tracing_subscriber::fmt()
        .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> std::io::Result<()> {
    // The page loads the official browser client from this server (no CDN): the npm package
    // beside this file, installed by `npm ci --prefix examples/chat`.
    let client =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("chat/node_modules/socket.io-client");
    if !client.join("dist/socket.io.js").is_file() {
        tracing::error!(
            "the browser client is not installed: run `npm ci --prefix examples/chat` (the page cannot connect without it)"
        );
    }
    // Recovery on: a client whose network drops for a moment (up to two minutes) comes back
    // with its id and rooms, and gets every message it missed.
    let config = ServerConfig::default()
        .serve_client(client)
        .connection_state_recovery(ConnectionStateRecovery::default());
    let io = Io::typed(config);
    let chat = Arc::new(Chat {
        next_id: AtomicU64::new(1),
        history: Mutex::default(),
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
                let name = socket.data().name.clone();
                if socket.recovered() {
                    // Back in its rooms, with what it missed on its way.
                    for room in chat_rooms(&socket) {
                        let others = || socket.to(room.as_str());
                        let _ = others().emit().members(&room, members(&socket, &room));
                        let _ = others().emit().notice(&room, format!("{name} is back"));
                    }
                }
                tracing::info!(sid = %socket.id(), %name, recovered = socket.recovered(), "joined the chat");
                socket.handle_shared(chat);
                socket.on_disconnecting(move |socket, reason: DisconnectReason| {
                    // A dropped connection may come back (recovery); leaving is final.
                    let how = if reason.is_recoverable() {
                        "lost their connection"
                    } else {
                        "left"
                    };
                    for room in chat_rooms(socket) {
                        Chat::gone(socket, &room, how);
                    }
                    tracing::info!(sid = %socket.id(), %reason, "left the chat");
                });
            }
        });

    // PORT picks the port (default 3000); one that is not a port is an error, not a default.
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
    let (listener, addr) = socketry_examples::listen(3000).await?;
    tracing::info!("chat on http://{addr}");
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
