// The plumbing of typed emitters does not emit undeclared events, even with its trait in scope.
use socketry::typed::EmitTarget;
use socketry::{Server, ServerConfig, events};

#[events]
trait ClientEvents {
    fn chat(text: String);
}

#[events]
trait ServerEvents {
    fn news(text: String);
}

fn main() {
    let io = Server::<dyn ClientEvents, dyn ServerEvents>::typed(ServerConfig::default());
    io.of("/").on_connection(|socket| async move {
        let _ = socket.emit_event("undeclared", &("x",));
        let _ = socket.emit_event(socketry::typed::Sealed(()), "undeclared", &("x",));
    });
}
