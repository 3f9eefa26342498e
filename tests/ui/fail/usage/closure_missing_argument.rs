use socketry::{Server, ServerConfig, events};

#[events]
trait ClientEvents {
    fn chat(room: String, text: String);
}

#[events]
trait ServerEvents {
    fn news(text: String);
}

fn main() {
    let io = Server::<dyn ClientEvents, dyn ServerEvents>::typed(ServerConfig::default());
    io.of("/").on_connection(|socket| async move {
        socket.on().chat(|_socket, text| async move {
            let _ = text;
        });
    });
}
