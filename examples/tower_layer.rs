//! socketry in a tower stack with no axum router: [`Server::layer`] in front of a service of
//! your own, served by hyper directly. Requests under `/socket.io/` go to socketry (long-polling
//! and WebSocket upgrades alike); every other request goes to your service.
//!
//! ```sh
//! cargo run --example tower_layer   # http://127.0.0.1:3000 (or $PORT)
//! ```

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use socketry::{Server, ServerConfig, Socket};
use std::convert::Infallible;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let io = Server::new(ServerConfig::default());
    io.of("/").on_connection(|socket: Socket| async move {
        socket.on("echo", |_, args, ack| async move {
            if let Some(ack) = ack {
                let _ = ack.send(&args);
            }
        });
    });

    // The application: any tower service (here a function of the request).
    let app = tower::service_fn(|request: http::Request<Incoming>| async move {
        let text = format!("the app got {}", request.uri().path());
        Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from(text))))
    });
    let service = tower::ServiceBuilder::new().layer(io.layer()).service(app);

    let (listener, addr) = socketry_examples::listen(3000).await?;
    println!("listening on http://{addr}");
    loop {
        let (tcp, _) = listener.accept().await?;
        let service = TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            // With upgrades: Socket.IO's WebSocket transport upgrades this connection.
            let served = auto::Builder::new(TokioExecutor::new())
                .serve_connection_with_upgrades(TokioIo::new(tcp), service)
                .await;
            if let Err(e) = served {
                eprintln!("connection error: {e}");
            }
        });
    }
}
