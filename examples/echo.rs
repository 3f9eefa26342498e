//! The smallest Engine.IO server: every message goes back to its sender.
//!
//! ```text
//! cargo run --example echo            # listens on 127.0.0.1:3000 (or $PORT)
//! ```
//!
//! Try it with the npm package `engine.io-client`:
//!
//! ```js
//! const { Socket } = require("engine.io-client");
//! const socket = new Socket("http://localhost:3000");
//! socket.on("open", () => socket.send("hello"));
//! socket.on("message", (data) => console.log(data)); // "hello"
//! ```

use socketry::engineio::{
    CloseReason, EngineHandler, EngineIo, EngineIoConfig, EngineSocket, Message,
};
use std::sync::Arc;

struct Echo;

impl EngineHandler for Echo {
    fn on_connect(&self, socket: &Arc<EngineSocket>) {
        println!("{} connected over {:?}", socket.id(), socket.transport());
    }

    fn on_message(&self, socket: &Arc<EngineSocket>, message: Message) {
        let _ = socket.send(message);
    }

    fn on_disconnect(&self, socket: &Arc<EngineSocket>, reason: CloseReason) {
        println!("{} disconnected: {reason}", socket.id());
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let engine = EngineIo::new(EngineIoConfig::default(), Echo);
    println!("echo server on http://127.0.0.1:{port}/engine.io/");
    engine.serve(format!("127.0.0.1:{port}")).await
}
