use socketry::{Ack, Server, ServerConfig, Socket, events};

#[events]
trait ClientEvents {
    fn chat(text: String);
    fn ask(question: String) -> u32;
}

#[events]
trait ServerEvents {
    fn news(text: String);
}

struct Handler;

impl ClientEventsHandler<dyn ServerEvents> for Handler {
    async fn chat(&self, socket: Socket<dyn ClientEvents, dyn ServerEvents>, text: String) {
        let _ = socket.emit().news(&text);
    }
}

fn main() {
    let _: Option<Ack<u32>> = None;
    let io = Server::<dyn ClientEvents, dyn ServerEvents>::typed(ServerConfig::default());
    io.of("/").on_connection(|socket| async move {
        socket.handle(Handler);
    });
}
