//! The typed server that `tests/node/typed.test.mjs` runs against: every event is declared in
//! the traits below, so this file also shows the typed API as users write it.
//!
//! - `/`: a handler type implementing `ClientEventsHandler` (every event at once);
//! - `/closures`: per-event closures (`socket.on().add(...)`) for a few events;
//! - `/mismatch-hook`: arguments that do not match are recorded by `on_event_error` and can
//!   be read back with the `mismatches` event.

use crate::server::TestServer;
use serde::{Deserialize, Serialize};
use socketry::{Ack, AckError, Server, ServerConfig, Socket, events};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// An object argument.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct Payload {
    /// A nested string.
    pub label: String,
    /// A nested list.
    pub values: Vec<f64>,
}

/// A shape: an enum tagged inside its object (`{"kind": "circle", "radius": 1}`).
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Shape {
    /// A circle.
    Circle {
        /// Its radius.
        radius: f64,
    },
    /// A rectangle.
    Rect {
        /// Its width.
        width: f64,
        /// Its height.
        height: f64,
    },
}

/// A payload with a note: flattened into one object, the note renamed and optional.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct Described {
    /// The payload's fields, at this level.
    #[serde(flatten)]
    pub payload: Payload,
    /// A note, or `null`.
    #[serde(rename = "remark")]
    pub note: Option<String>,
    /// A large count, which JSON carries as a number.
    pub count: u64,
}

/// What test clients send.
#[events(rename_all = "camelCase", typescript)]
pub trait ClientEvents {
    /// Five arguments of five kinds, sent back in order with `echoed`.
    fn echo_args(n: u32, s: String, b: bool, list: Vec<i32>, obj: Payload);
    /// Answers with the sum.
    fn add(a: i64, b: i64) -> i64;
    /// Bytes up; sent back with `download`, answered with their length.
    fn upload(name: String, data: Vec<u8>) -> usize;
    /// A wire name that is not the method's.
    #[event(name = "custom:name")]
    fn renamed(value: String);
    /// Makes the server ask this client `question` and report the answer with `answered`.
    fn ask_me(question: String);
    /// Joins a room; the empty answer says it is done.
    fn join(room: String) -> ();
    /// Broadcasts `news` to a room (not to the sender).
    fn room_news(room: String, text: String);
    /// Asks every socket of a room `poll` and answers with their answers, sorted.
    fn poll_room(room: String) -> Vec<String>;
    /// Stores a name in the socket's typed data.
    fn set_name(name: String);
    /// Answers with the stored name.
    fn get_name() -> String;
    /// A trailing optional argument; answered with it.
    fn optional(a: String, b: Option<u32>) -> Option<u32>;
    /// The events the mismatch hook saw on this namespace.
    fn mismatches() -> Vec<String>;
    /// Describes a shape: its kind as label, its measures as values.
    fn describe(shape: Shape) -> Described;
}

/// What the server sends to test clients.
#[events(rename_all = "camelCase", typescript)]
pub trait ServerEvents {
    /// `echoArgs`, back.
    fn echoed(n: u32, s: String, b: bool, list: Vec<i32>, obj: Payload);
    /// `upload`, back.
    fn download(name: String, data: Vec<u8>);
    /// `custom:name`, back under another custom name.
    #[event(name = "renamed:back")]
    fn renamed_back(value: String);
    /// A question the client answers with a boolean.
    fn question(question: String) -> bool;
    /// The answer to `question`, or why there was none.
    fn answered(answer: Option<bool>, error: Option<String>);
    /// Room news.
    fn news(text: String);
    /// Asked of every socket of a room by `pollRoom`.
    fn poll(room: String) -> String;
}

/// What each socket keeps.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct Data {
    /// Set by `setName`.
    pub name: String,
}

type Io = Server<dyn ClientEvents, dyn ServerEvents, socketry::Untyped, Data>;
type TestSocket = Socket<dyn ClientEvents, dyn ServerEvents, Data>;

/// Handles every event of `ClientEvents`.
struct Handlers;

impl ClientEventsHandler<dyn ServerEvents, Data> for Handlers {
    async fn echo_args(
        &self,
        socket: TestSocket,
        n: u32,
        s: String,
        b: bool,
        list: Vec<i32>,
        obj: Payload,
    ) {
        let _ = socket.emit().echoed(n, &s, b, &list, &obj);
    }

    async fn add(&self, _socket: TestSocket, a: i64, b: i64, ack: Ack<i64>) {
        let _ = ack.send(&(a + b));
    }

    async fn upload(&self, socket: TestSocket, name: String, data: Vec<u8>, ack: Ack<usize>) {
        let _ = socket.emit().download(&name, &data);
        let _ = ack.send(&data.len());
    }

    async fn renamed(&self, socket: TestSocket, value: String) {
        let _ = socket.emit().renamed_back(&value);
    }

    async fn ask_me(&self, socket: TestSocket, question: String) {
        let answer = socket
            .timeout(Duration::from_secs(2))
            .emit()
            .question(&question)
            .await;
        let _ = match answer {
            Ok(answer) => socket.emit().answered(&Some(answer), &None),
            Err(e) => socket
                .emit()
                .answered(&None, &Some(error_kind(&e).to_owned())),
        };
    }

    async fn join(&self, socket: TestSocket, room: String, ack: Ack<()>) {
        socket.join(room);
        let _ = ack.send(&());
    }

    async fn room_news(&self, socket: TestSocket, room: String, text: String) {
        let _ = socket.to(room).emit().news(&text);
    }

    async fn poll_room(&self, socket: TestSocket, room: String, ack: Ack<Vec<String>>) {
        let answers = socket
            .to(room.as_str())
            .timeout(Duration::from_secs(2))
            .emit()
            .poll(&room)
            .await;
        let mut answers: Vec<String> = match answers {
            Ok(answers) => answers
                .into_iter()
                .map(|(_, a)| a.unwrap_or_else(|e| format!("error:{}", error_kind(&e))))
                .collect(),
            Err(e) => vec![format!("emit failed: {e}")],
        };
        answers.sort();
        let _ = ack.send(&answers);
    }

    async fn set_name(&self, socket: TestSocket, name: String) {
        socket.data().name = name;
    }

    async fn get_name(&self, socket: TestSocket, ack: Ack<String>) {
        let name = socket.data().name.clone();
        let _ = ack.send(&name);
    }

    async fn optional(
        &self,
        _socket: TestSocket,
        _a: String,
        b: Option<u32>,
        ack: Ack<Option<u32>>,
    ) {
        let _ = ack.send(&b);
    }

    async fn mismatches(&self, _socket: TestSocket, ack: Ack<Vec<String>>) {
        let _ = ack.send(&Vec::new());
    }

    async fn describe(&self, _socket: TestSocket, shape: Shape, ack: Ack<Described>) {
        let (label, values) = match shape {
            Shape::Circle { radius } => ("circle", vec![radius]),
            Shape::Rect { width, height } => ("rect", vec![width, height]),
        };
        let payload = Payload {
            label: label.to_owned(),
            values,
        };
        let note = (label == "rect").then(|| "four sides".to_owned());
        let _ = ack.send(&Described {
            payload,
            note,
            count: u64::from(u32::MAX) + 1,
        });
    }
}

fn error_kind(e: &AckError) -> &'static str {
    match e {
        AckError::Timeout => "timeout",
        AckError::Disconnected => "disconnected",
        AckError::InvalidAnswer(_) => "invalid answer",
        _ => "other",
    }
}

/// Starts the server on a port the OS picks.
pub async fn start() -> TestServer {
    let io = Io::typed(ServerConfig::default());
    io.of("/").on_connection(|socket: TestSocket| async move {
        socket.handle(Handlers);
    });

    // Per-event closures: only some events have a handler here.
    io.of("/closures").on_connection(|socket| async move {
        socket.on().add(|_socket, a, b, ack| async move {
            let _ = ack.send(&(a + b));
        });
        socket
            .on()
            .echo_args(|socket, n, s, b, list, obj| async move {
                let _ = socket.emit().echoed(n, &s, b, &list, &obj);
            });
        socket.on().upload(|socket, name, data, ack| async move {
            let _ = socket.emit().download(&name, &data);
            let _ = ack.send(&data.len());
        });
    });

    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let hooked = io.of("/mismatch-hook");
    let s = seen.clone();
    hooked.on_event_error(move |socket, error| {
        assert!(socket.connected());
        s.lock().unwrap().push(error.event().to_owned());
    });
    hooked.on_connection(move |socket| {
        let seen = seen.clone();
        async move {
            socket.handle(Handlers);
            // Replaces the handler's `mismatches` with one that reads what the hook saw.
            socket.on().mismatches(move |_socket, ack| {
                let seen = seen.lock().unwrap().clone();
                async move {
                    let _ = ack.send(&seen);
                }
            });
        }
    });

    // Served by axum, so that the tests also cover that path (see `TestServer::serve_with_axum`).
    TestServer::serve_with_axum(io.router()).await
}
