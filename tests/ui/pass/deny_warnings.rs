//! A private events trait used as a server's type raises no warning.
#![deny(warnings)]

use socketry::{Server, ServerConfig, events};

#[events]
trait ClientEvents {
    fn hello(name: String);
}

#[events]
trait ServerEvents {
    fn welcome(text: String);
}

fn main() {
    let io = Server::<dyn ClientEvents, dyn ServerEvents>::typed(ServerConfig::default());
    io.of("/").on_connection(|socket| async move {
        socket.on().hello(|socket, name| async move {
            let _ = socket.emit().welcome(&name);
        });
    });
}
