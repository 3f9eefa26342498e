//! The server the official protocol test-suites expect, on port 3000 (or `$PORT`):
//!
//! - `/engine.io/`: raw Engine.IO v4, every message echoed back unchanged (the suite in
//!   `socketio/engine.io-protocol`, folder `test-suite/`);
//!
//! with pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1 000 000 and CORS open to every
//! origin, as the suites' READMEs configure the reference server.
//!
//! ```text
//! cargo run --example conformance
//! ```

use socketry::engineio::{
    CloseReason, EngineHandler, EngineIo, EngineIoConfig, EngineSocket, Message,
};
use std::sync::Arc;
use std::time::Duration;

/// Sends every message back to the session it came from.
struct Echo;

impl EngineHandler for Echo {
    fn on_connect(&self, _socket: &Arc<EngineSocket>) {}

    fn on_message(&self, socket: &Arc<EngineSocket>, message: Message) {
        let _ = socket.send(message);
    }

    fn on_disconnect(&self, _socket: &Arc<EngineSocket>, _reason: CloseReason) {}
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let config = EngineIoConfig::default()
        .ping_interval(Duration::from_millis(300))
        .ping_timeout(Duration::from_millis(200))
        .max_http_buffer_size(1_000_000)
        .cors(socketry::cors::CorsLayer::permissive());
    let engine = EngineIo::new(config, Echo);
    println!("conformance server on http://localhost:{port}/engine.io/");
    engine.serve(format!("0.0.0.0:{port}")).await
}
