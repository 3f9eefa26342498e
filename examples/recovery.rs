//! Connection state recovery: a client whose connection drops for a moment comes back as
//! itself (same id, same rooms, same data) and receives every event it missed, in order.
//!
//! ```sh
//! cargo run --example recovery      # http://127.0.0.1:3000 (or $PORT)
//! ```
//!
//! A client joins the `ticks` room with `subscribe`; the server sends `tick` (a counter) to the
//! room ten times a second. Cut the client's network for a few seconds: when it reconnects,
//! `socket.recovered` is true and the ticks it missed arrive before the new ones, none lost and
//! none twice. `offset` in the client's auth is what it received last (the client keeps it).

use socketry::{ConnectionStateRecovery, Server, ServerConfig, Socket};
use std::time::Duration;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    let recovery = ConnectionStateRecovery::default()
        // How long a dropped client's session (and what it misses) is kept.
        .max_disconnection_duration(Duration::from_secs(120))
        // A recovered client already passed the middlewares once.
        .skip_middlewares(true);
    let io = Server::new(ServerConfig::default().connection_state_recovery(recovery));
    io.of("/").on_connection(|socket: Socket| async move {
        if socket.recovered() {
            tracing::info!(sid = %socket.id(), "recovered: same id, rooms and data");
        }
        socket.on("subscribe", |socket, _, ack| async move {
            socket.join("ticks");
            if let Some(ack) = ack {
                let _ = ack.send(&"subscribed");
            }
        });
    });
    let ticker = io.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_millis(100));
        for n in 0u64.. {
            every.tick().await;
            let _ = ticker.to("ticks").emit("tick", &n);
        }
    });

    let (listener, addr) = socketry_examples::listen(3000).await?;
    tracing::info!("listening on http://{addr}");
    let app = io.router();
    io.serve_app(listener, app, socketry::shutdown_signal())
        .await
}
