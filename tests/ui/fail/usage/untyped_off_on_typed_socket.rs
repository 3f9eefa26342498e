// A typed socket removes handlers by event (`socket.off().join_room()`), not by a string that
// may be misspelt.
use socketry::{Server, ServerConfig, events};

#[events]
trait ClientEvents {
    fn join_room(room: String);
}

#[events]
trait ServerEvents {
    fn news(text: String);
}

fn main() {
    let io = Server::<dyn ClientEvents, dyn ServerEvents>::typed(ServerConfig::default());
    io.of("/").on_connection(|socket| async move {
        socket.off("joinRom");
    });
}
