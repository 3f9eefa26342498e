//! Every part of the typed API on one server: emits from each handle, handlers by closure and by
//! trait, acknowledgements both ways, broadcasts with typed answers, data, server-side emit.

use serde::{Deserialize, Serialize};
use socketry::{Ack, AckError, Server, ServerConfig, Socket, events};

#[derive(Serialize, Deserialize)]
struct Message {
    text: String,
}

#[events]
trait ClientEvents {
    fn chat(room: String, message: Message);
    fn ask(question: String) -> u32;
    fn ping();
    fn count() -> u32;
    /// As many arguments as an event may have.
    fn wide(a: u8, b: u8, c: u8, d: u8, e: u8, f: u8, g: u8, h: u8, i: u8, j: u8, k: u8, l: String) -> u8;
}

#[events]
trait ServerEvents {
    fn news(text: String, count: u32, tags: Vec<String>);
    fn poll(question: String) -> bool;
}

#[events]
trait InterServerEvents {
    fn hello(node: String);
}

#[derive(Default, Clone, serde::Serialize, serde::Deserialize)]
struct Data {
    name: String,
}

type Io = Server<dyn ClientEvents, dyn ServerEvents, dyn InterServerEvents, Data>;
type S = Socket<dyn ClientEvents, dyn ServerEvents, Data>;

struct Handler;

impl ClientEventsHandler<dyn ServerEvents, Data> for Handler {
    async fn chat(&self, socket: S, room: String, message: Message) {
        let _ = socket.to(room.as_str()).emit().news(&message.text, 1, &[]);
    }
    async fn ask(&self, socket: S, question: String, ack: Ack<u32>) {
        let answer: Result<bool, AckError> = socket.emit().poll(&question).await;
        let _ = ack.send(&u32::from(answer.unwrap_or(false)));
    }
    async fn ping(&self, _socket: S) {}
    async fn count(&self, _socket: S, ack: Ack<u32>) {
        let _ = ack.send(&0);
    }
    #[allow(clippy::too_many_arguments)]
    async fn wide(
        &self,
        _socket: S,
        a: u8, _b: u8, _c: u8, _d: u8, _e: u8, _f: u8, _g: u8, _h: u8, _i: u8, _j: u8, _k: u8,
        _l: String,
        ack: Ack<u8>,
    ) {
        let _ = ack.send(&a);
    }
}

async fn everything(io: Io) {
    io.of("/").on_connection(|socket: S| async move {
        socket.data().name = "ann".into();
        socket.handle(Handler);
        socket.on().ping(|socket| async move {
            let _ = socket.emit().news("pong", 0, &["a".to_owned()]);
        });
        socket.on().ask(|_socket, question, ack| async move {
            let _ = ack.send(&(question.len() as u32));
        });
        socket.off().ping();
        let _: Result<bool, AckError> = socket
            .timeout(std::time::Duration::from_secs(1))
            .emit()
            .poll("sure?")
            .await;
    });
    let _ = io.emit().news("to everyone", 2, &[]);
    let _ = io.of("/admin").to("room").except("muted").volatile().emit().news("x", 3, &[]);
    let answers = io.broadcast().emit().poll("all?").await.unwrap();
    for (_id, answer) in answers {
        let _: bool = answer.unwrap_or(false);
    }
    for remote in io.broadcast().fetch_sockets().await {
        let _ = remote.emit().news("just you", 4, &[]);
        let _: Option<Data> = remote.data();
    }
    let _ = io.of("/").server_side_emit().hello("node-1");
    io.of("/").on_server_side().hello(|node: String| async move {
        let _ = node;
    });
    let _ = io.sockets()[0].untyped().emit("anything", &1);
}

fn main() {
    let _ = everything(Io::typed(ServerConfig::default()));
}
