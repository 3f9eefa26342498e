use socketry::{Ack, Server, ServerConfig, events};

#[events]
trait ClientEvents {
    fn ask(question: String) -> u32;
}

#[events]
trait ServerEvents {
    fn news(text: String);
}

fn main() {
    let io = Server::<dyn ClientEvents, dyn ServerEvents>::typed(ServerConfig::default());
    io.of("/").on_connection(|socket| async move {
        socket.on().ask(|_socket, _question, ack: Ack<String>| async move {
            let _ = ack.send(&"no".to_owned());
        });
    });
}
