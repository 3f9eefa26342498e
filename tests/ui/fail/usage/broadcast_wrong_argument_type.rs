use socketry::{Server, ServerConfig, events};

#[events]
trait ClientEvents {
    fn chat(text: String);
    fn ask(question: String) -> u32;
}

#[events]
trait ServerEvents {
    fn news(text: String, count: u32);
    fn poll(question: String) -> bool;
}

fn main() {
    let io = Server::<dyn ClientEvents, dyn ServerEvents>::typed(ServerConfig::default());
    io.of("/").on_connection(|socket| async move {
        let _ = socket.to("room").emit().news("x", "1");
    });
}
