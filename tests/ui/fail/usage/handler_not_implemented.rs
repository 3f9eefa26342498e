use socketry::{Server, ServerConfig, events};

#[events]
trait ClientEvents {
    fn chat(text: String);
}

struct NotAHandler;

fn main() {
    let io = Server::<dyn ClientEvents>::typed(ServerConfig::default());
    io.of("/").on_connection(|socket| async move {
        socket.handle(NotAHandler);
    });
}
