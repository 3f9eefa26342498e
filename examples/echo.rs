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
    let (listener, addr) = socketry_examples::listen(3000).await?;
    let engine = EngineIo::new(EngineIoConfig::default(), Echo);
    // An endpoint for engine.io-client, not a page: a browser visiting it gets Engine.IO's
    // `400 {"code":0,"message":"Transport unknown"}`.
    println!("echo server: connect engine.io-client to http://{addr} (path /engine.io/)");
    let shutdown = engine.clone();
    socketry::serve(listener, engine.router(), async move {
        socketry::shutdown_signal().await;
        shutdown
            .shutdown_within(std::time::Duration::from_secs(10))
            .await;
    })
    .await
}
