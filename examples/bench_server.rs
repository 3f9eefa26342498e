//! The server the benchmarks (`benches/`) drive: namespace `/`; `echo` acknowledges with its own
//! arguments; `broadcast` makes the server emit `bcast` with the same arguments to every socket
//! of `/`; `join` puts the socket in a room and acknowledges; `broadcast_room` emits `bcast` with
//! the arguments after the room's name to that room. Defaults otherwise. Listens on
//! `127.0.0.1:$PORT`. `broadcast_bin` is `broadcast` with the body as a binary attachment
//! (`451-[…,{"_placeholder":true,"num":0}]` and a binary frame); the typed build has no such
//! event, its wire name being `bcast`'s as well.
//!
//! ```text
//! cargo build --release --example bench_server && PORT=3000 target/release/examples/bench_server
//! ```
//!
//! Three ways to write the same server, chosen by the first argument, so that the benchmark can
//! show what typed events cost:
//! - none: untyped handlers that pass the arguments through as received (no decoding);
//! - `--untyped-decoded`: untyped handlers that decode the arguments into Rust types and encode
//!   them again, as an application that reads its arguments does;
//! - `--typed`: the same work written with `#[events]`;
//! - `--recovery`: the first, with connection state recovery on (every broadcast is logged
//!   with an offset);
//! - `--redis` (built with `--features redis`): the first, a node of a cluster on the Redis at
//!   `REDIS_URL`.

use bytes::Bytes;
use socketry::{Ack, ConnectionStateRecovery, Server, ServerConfig, Socket, events};

/// What the load generator sends.
#[events]
trait BenchClient {
    /// `42<id>["echo","hello",<id>]`, answered with the same two values.
    fn echo(text: String, n: u64) -> (String, u64);
    /// `42["broadcast",<seq>,<timestamp>,"<body>"]`.
    fn broadcast(seq: u64, sent_us: u64, body: String);
    /// `42<id>["join","<room>"]`, acknowledged once joined.
    fn join(room: String) -> ();
    /// `42["broadcast_room","<room>",<seq>,<timestamp>,"<body>"]`: `bcast` to that room only.
    fn broadcast_room(room: String, seq: u64, sent_us: u64, body: String);
}

/// What the server sends back.
#[events]
trait BenchServer {
    /// Every socket of `/` receives each broadcast.
    fn bcast(seq: u64, sent_us: u64, body: String);
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let addr = format!("127.0.0.1:{port}");
    match std::env::args().nth(1).as_deref() {
        Some("--typed") => typed().serve(addr).await,
        Some("--untyped-decoded") => untyped(ServerConfig::default(), true).serve(addr).await,
        Some("--recovery") => {
            let config = ServerConfig::default()
                .connection_state_recovery(ConnectionStateRecovery::default());
            untyped(config, false).serve(addr).await
        }
        #[cfg(feature = "redis")]
        Some("--redis") => {
            use socketry::adapter::redis::{RedisAdapter, RedisAdapterConfig};
            let url =
                std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
            let redis = RedisAdapter::connect(&url, RedisAdapterConfig::default())
                .await
                .map_err(std::io::Error::other)?;
            let config = ServerConfig::default().adapter(redis.factory());
            untyped(config, false).serve(addr).await
        }
        _ => untyped(ServerConfig::default(), false).serve(addr).await,
    }
}

fn untyped(config: ServerConfig, decode: bool) -> Server {
    let io = Server::new(config);
    let io2 = io.clone();
    io.of("/").on_connection(move |socket: Socket| {
        let io = io2.clone();
        socket.on("join", |socket, args, ack| {
            if let Ok((room,)) = args.deserialize::<(String,)>() {
                socket.join(room);
            }
            if let Some(ack) = ack {
                let _ = ack.send(&());
            }
            std::future::ready(())
        });
        let to_room = io.clone();
        socket.on("broadcast_room", move |_, args, _| {
            if let Ok((room, seq, sent_us, body)) = args.deserialize::<(String, u64, u64, String)>()
            {
                let _ = to_room.to(room).emit("bcast", &(seq, sent_us, body));
            }
            std::future::ready(())
        });
        if decode {
            socket.on("echo", |_, args, ack| async move {
                if let (Some(ack), Ok((text, n))) = (ack, args.deserialize::<(String, u64)>()) {
                    let _ = ack.send(&((text, n),));
                }
            });
            let bin = io.clone();
            socket.on("broadcast", move |_, args, _| {
                if let Ok((seq, sent_us, body)) = args.deserialize::<(u64, u64, String)>() {
                    let _ = io.emit("bcast", &(seq, sent_us, body));
                }
                std::future::ready(())
            });
            socket.on("broadcast_bin", move |_, args, _| {
                if let Ok((seq, sent_us, body)) = args.deserialize::<(u64, u64, Bytes)>() {
                    let _ = bin.emit("bcast", &(seq, sent_us, body));
                }
                std::future::ready(())
            });
        } else {
            socket.on("echo", |_, args, ack| async move {
                if let Some(ack) = ack {
                    let _ = ack.send(&args);
                }
            });
            // Binary or not, the arguments (and their attachments) go out as they came.
            for event in ["broadcast", "broadcast_bin"] {
                let io = io.clone();
                socket.on(event, move |_, args, _| {
                    let _ = io.emit("bcast", &args);
                    std::future::ready(())
                });
            }
        }
        std::future::ready(())
    });
    io
}

fn typed() -> Server<dyn BenchClient, dyn BenchServer> {
    let io = Server::<dyn BenchClient, dyn BenchServer>::typed(ServerConfig::default());
    let io2 = io.clone();
    io.of("/").on_connection(move |socket| {
        let io = io2.clone();
        socket
            .on()
            .echo(|_, text, n, ack: Ack<(String, u64)>| async move {
                let _ = ack.send(&(text, n));
            });
        let to_room = io.clone();
        socket.on().broadcast(move |_, seq, sent_us, body| {
            let _ = io.emit().bcast(seq, sent_us, &body);
            std::future::ready(())
        });
        socket.on().join(|socket, room, ack: Ack<()>| {
            socket.join(room);
            let _ = ack.send(&());
            std::future::ready(())
        });
        socket
            .on()
            .broadcast_room(move |_, room, seq, sent_us, body| {
                let _ = to_room.to(room).emit().bcast(seq, sent_us, &body);
                std::future::ready(())
            });
        std::future::ready(())
    });
    io
}
