//! The server the benchmarks (`benches/`) drive: namespace `/`; `echo` acknowledges with its own
//! arguments; `broadcast` makes the server emit `bcast` with the same arguments to every socket
//! of `/`. Defaults otherwise. Listens on `127.0.0.1:$PORT`.
//!
//! ```text
//! cargo build --release --example bench_server && PORT=3000 target/release/examples/bench_server
//! ```

use socketry::{Server, ServerConfig, Socket};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let io = Server::new(ServerConfig::default());
    let io2 = io.clone();
    io.of("/").on_connection(move |socket: Socket| {
        let io = io2.clone();
        socket.on("echo", |_, args, ack| async move {
            if let Some(ack) = ack {
                let _ = ack.send(&args);
            }
        });
        socket.on("broadcast", move |_, args, _| {
            let _ = io.emit("bcast", &args);
            std::future::ready(())
        });
        std::future::ready(())
    });
    io.serve(format!("127.0.0.1:{port}")).await
}
