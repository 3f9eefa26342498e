//! The Rust peer under the benchmark's contract: socketioxide (latest from crates.io) on axum,
//! defaults. Listens on `127.0.0.1:$PORT`, with Nagle's algorithm off as for every server here.

use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, Data, SocketRef};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let (layer, io) = SocketIo::new_layer();
    let io2 = io.clone();
    io.ns("/", async move |s: SocketRef| {
        s.on(
            "echo",
            async |Data((text, n)): Data<(String, u64)>, ack: AckSender| {
                let _ = ack.send(&(text, n));
            },
        );
        s.on(
            "join",
            async |s: SocketRef, Data(room): Data<String>, ack: AckSender| {
                s.join(room);
                let _ = ack.send(&());
            },
        );
        let to_room = io2.clone();
        s.on(
            "broadcast_room",
            async move |Data((room, seq, ts, body)): Data<(String, u64, u64, String)>| {
                let _ = to_room.to(room).emit("bcast", &(seq, ts, body)).await;
            },
        );
        let io = io2.clone();
        s.on(
            "broadcast",
            async move |Data((seq, ts, body)): Data<(u64, u64, String)>| {
                let _ = io.emit("bcast", &(seq, ts, body)).await;
            },
        );
        let io = io2.clone();
        s.on(
            "broadcast_bin",
            async move |Data((seq, ts, body)): Data<(u64, u64, bytes::Bytes)>| {
                let _ = io.emit("bcast", &(seq, ts, body)).await;
            },
        );
    });
    let app = axum::Router::new().layer(layer);
    use axum::serve::ListenerExt;
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
        .await?
        .tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
    axum::serve(listener, app).await
}
