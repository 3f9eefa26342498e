//! The server's metrics (feature `metrics` of socketry) on a Prometheus endpoint: install a
//! recorder of the `metrics` facade, here `metrics-exporter-prometheus`, and serve what it
//! renders. `socketry::metrics` lists what is recorded.
//!
//! ```sh
//! cargo run --example metrics       # http://127.0.0.1:3000/metrics (or $PORT)
//! ```

use axum::routing::get;
use metrics_exporter_prometheus::PrometheusBuilder;
use socketry::{Server, ServerConfig, Socket};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    // Installed before the server records anything.
    let prometheus = PrometheusBuilder::new()
        .install_recorder()
        .map_err(std::io::Error::other)?;

    let io = Server::new(ServerConfig::default());
    io.of("/").on_connection(|socket: Socket| async move {
        socket.on("join", |socket, args, _| async move {
            socket.join(args.get::<String>(0).unwrap_or_default());
        });
        socket.on("echo", |_, args, ack| async move {
            if let Some(ack) = ack {
                let _ = ack.send(&args);
            }
        });
    });
    let app = axum::Router::new()
        .route("/metrics", get(move || async move { prometheus.render() }))
        .merge(io.router());

    let (listener, addr) = socketry_examples::listen(3000).await?;
    println!("listening on http://{addr} (metrics at /metrics)");
    io.serve_app(listener, app, socketry::shutdown_signal())
        .await
}
