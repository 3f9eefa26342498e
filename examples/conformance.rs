//! The server the official protocol test-suites expect, on port 3000 (or `$PORT`):
//!
//! - `/engine.io/`: raw Engine.IO v4, every message echoed back unchanged (the suite in
//!   `socketio/engine.io-protocol`, folder `test-suite/`);
//! - `/socket.io/`: Socket.IO v5 (the suite in `socketio/socket.io-protocol`, folder
//!   `test-suite/`): every socket of `/` and `/custom` is sent `auth` with its handshake's auth
//!   payload, `message` is echoed as `message-back`, `message-with-ack` is acknowledged with its
//!   own arguments; connectTimeout 1000 ms;
//!
//! with pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1 000 000 and CORS open to every
//! origin, as the suites' READMEs configure the reference server; Engine.IO v3 clients are
//! accepted on both paths (the v3 suite in the socket.io monorepo,
//! `docs/engine.io-protocol/v3-test-suite`), while a missing or invalid `EIO` is refused.
//!
//! ```text
//! cargo run --example conformance
//! ```

use socketry::engineio::{EngineHandler, EngineIo, EngineIoConfig, EngineSocket, Message};
use socketry::{Server, ServerConfig, Socket};
use std::sync::Arc;
use std::time::Duration;

/// Sends every message back to the session it came from.
struct Echo;

impl EngineHandler for Echo {
    fn on_message(&self, socket: &Arc<EngineSocket>, message: Message) {
        let _ = socket.send(message);
    }
}

// One thread, like the reference's event loop: the suites send some requests concurrently
// (a poll and the POST that closes the session) and expect them handled in arrival order.
#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let engine_config = || {
        EngineIoConfig::default()
            .ping_interval(Duration::from_millis(300))
            .ping_timeout(Duration::from_millis(200))
            .max_http_buffer_size(1_000_000)
            .allow_eio3(true)
            .cors(socketry::cors::CorsLayer::permissive())
    };
    let engine = EngineIo::new(engine_config(), Echo);

    let io = Server::new(
        ServerConfig::default()
            .engine(engine_config().path("/socket.io"))
            .connect_timeout(Duration::from_millis(1000)),
    );
    io.of("/").on_connection(|socket: Socket| async move {
        let _ = socket.emit("auth", &socket.handshake().auth);
        socket.on("message", |socket, args, _| async move {
            let _ = socket.emit("message-back", &args);
        });
        socket.on("message-with-ack", |_, args, ack| async move {
            if let Some(ack) = ack {
                let _ = ack.send(&args);
            }
        });
    });
    io.of("/custom").on_connection(|socket: Socket| async move {
        let _ = socket.emit("auth", &socket.handshake().auth);
    });

    let app = axum::Router::new()
        .merge(engine.router())
        .merge(io.router());
    println!("conformance server on http://localhost:{port}/engine.io/ and /socket.io/");
    let listener = tokio::net::TcpListener::bind(format!("0.0.0.0:{port}")).await?;
    io.serve_app(listener, app, socketry::shutdown_signal())
        .await
}
