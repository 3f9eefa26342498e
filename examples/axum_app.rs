//! socketry inside an axum app of your own: other routes beside Socket.IO, CORS for a front end
//! served from another origin, and a graceful shutdown that tells every client.
//!
//! ```sh
//! cargo run --example axum_app      # http://127.0.0.1:3000 (or $PORT)
//! ```
//!
//! A page on `http://localhost:5173` (a Vite dev server, say) connects with
//! `io("http://127.0.0.1:3000")`: its requests carry that origin, and the Socket.IO answers
//! allow it (`ALLOWED_ORIGIN` picks another). Ctrl-C or SIGTERM stops accepting, tells every
//! client `server shutting down` (each gets what was queued for it first), and exits once they
//! all have it.

use axum::http::{HeaderValue, Method};
use axum::routing::get;
use socketry::engineio::EngineIoConfig;
use socketry::{Server, ServerConfig, Socket};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tower_http::cors::CorsLayer;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> std::io::Result<()> {
    let origin = std::env::var("ALLOWED_ORIGIN").unwrap_or_else(|_| "http://localhost:5173".into());
    let origin = HeaderValue::from_str(&origin).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "ALLOWED_ORIGIN is not a valid origin",
        )
    })?;
    // CORS is Engine.IO's option (the reference's `cors`), so that it also answers preflights
    // and the error responses of the handshake.
    let cors = CorsLayer::new()
        .allow_origin(origin)
        .allow_methods([Method::GET, Method::POST])
        .allow_credentials(true);
    let io = Server::new(ServerConfig::default().engine(EngineIoConfig::default().cors(cors)));
    let online = Arc::new(AtomicUsize::new(0));
    let count = online.clone();
    io.of("/").on_connection(move |socket: Socket| {
        let count = count.clone();
        async move {
            count.fetch_add(1, Ordering::Relaxed);
            let left = count.clone();
            socket.on_disconnect(move |_, _| {
                let left = left.clone();
                async move {
                    left.fetch_sub(1, Ordering::Relaxed);
                }
            });
            socket.on("echo", |_, args, ack| async move {
                if let Some(ack) = ack {
                    let _ = ack.send(&args);
                }
            });
        }
    });

    // The app's own routes, with Socket.IO's merged in (under /socket.io/).
    let app = axum::Router::new()
        .route("/", get(|| async { "the app's own page" }))
        .route(
            "/api/online",
            get(move || async move { online.load(Ordering::Relaxed).to_string() }),
        )
        .merge(io.router());

    let (listener, addr) = socketry_examples::listen(3000).await?;
    tracing::info!("listening on http://{addr}");
    // Until Ctrl-C or SIGTERM; then the clients are told and the server waits for them.
    io.serve_app(listener, app, socketry::shutdown_signal())
        .await
}
