//! The server that `tests/node/recovery.test.mjs` runs against, with connection state recovery
//! on. Its events are the test's remote controls:
//!
//! - `info` → `{ id, recovered, rooms }`; `join(room)`; `set(value)` / `get` on socket data;
//! - `connected(id)` → whether socket `id` is connected (to wait for a drop to be seen);
//! - `all(n)`: `n` broadcasts `all(i)` to everyone; `volatile(tag)`: a volatile broadcast;
//!   `room(room, tag)`: `room(tag)` to a room; `direct(id, tag)`: `direct(tag)` to one socket
//!   through its handle (even while it is away); `binary(tag)`: `bin(tag, bytes)` to everyone;
//! - `flood(n)`: `n` broadcasts `seq(k)`, `k` counting up across calls;
//! - `mw(name)` → how many times the middleware ran for clients named `name`.
//!
//! Every socket gets `welcome` on connection, so that its client holds an offset, unless its
//! auth has `quiet: true` (a client that receives no event before it drops).

use crate::server::TestServer;
use socketry::engineio::EngineIoConfig;
use socketry::{ConnectionStateRecovery, Server, ServerConfig, Socket};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Starts a server with these recovery options on a port the OS picks.
pub async fn start(recovery: ConnectionStateRecovery) -> TestServer {
    let io = Server::new(
        ServerConfig::default()
            .engine(
                EngineIoConfig::default()
                    .path("/socket.io")
                    .ping_interval(Duration::from_secs(1))
                    .ping_timeout(Duration::from_secs(1)),
            )
            .connection_state_recovery(recovery),
    );
    let runs: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let r = runs.clone();
    let main = io.of("/");
    main.middleware(move |socket: Socket| {
        let name = socket.handshake().auth["name"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        *r.lock().unwrap().entry(name).or_default() += 1;
        async { Ok(()) }
    });
    let io2 = io.clone();
    main.on_connection(move |socket: Socket| {
        let io = io2.clone();
        let runs = runs.clone();
        async move {
            if socket.handshake().auth["quiet"] != true {
                let _ = socket.emit("welcome", &socket.recovered());
            }
            handlers(&socket, &io, &runs);
        }
    });
    TestServer::serve(io.router()).await
}

fn ack(ack: Option<socketry::AckSender>, value: impl serde::Serialize) {
    if let Some(ack) = ack {
        let _ = ack.send(&value);
    }
}

fn handlers(socket: &Socket, io: &Server, runs: &Arc<Mutex<HashMap<String, u32>>>) {
    socket.on("info", |s, _, a| async move {
        let mut rooms: Vec<String> = s.rooms().iter().map(|r| r.to_string()).collect();
        rooms.sort();
        ack(
            a,
            serde_json::json!({ "id": s.id(), "recovered": s.recovered(), "rooms": rooms }),
        );
    });
    socket.on("kick", |s, _, _| async move { s.disconnect(false) });
    socket.on("join", |s, args, a| async move {
        s.join(args.get::<String>(0).unwrap_or_default());
        ack(a, ());
    });
    socket.on("set", |s, args, a| async move {
        s.data().insert(args.get::<String>(0).unwrap_or_default());
        ack(a, ());
    });
    socket.on("get", |s, _, a| async move {
        let v = s.data().get::<String>().cloned();
        ack(a, v);
    });
    let io2 = io.clone();
    socket.on("connected", move |_, args, a| {
        let id = args.get::<String>(0).unwrap_or_default();
        let connected = io2.of("/").sockets().iter().any(|s| s.id().as_str() == id);
        async move { ack(a, connected) }
    });
    let io2 = io.clone();
    socket.on("all", move |_, args, a| {
        for i in 0..args.get::<u32>(0).unwrap_or(0) {
            let _ = io2.emit("all", &i);
        }
        async move { ack(a, ()) }
    });
    let io2 = io.clone();
    socket.on("flood", move |_, args, a| {
        for _ in 0..args.get::<u32>(0).unwrap_or(0) {
            let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = io2.emit("seq", &n);
        }
        async move { ack(a, ()) }
    });
    let io2 = io.clone();
    socket.on("volatile", move |_, args, a| {
        let tag = args.get::<String>(0).unwrap_or_default();
        let _ = io2.broadcast().volatile().emit("volatile", &tag);
        async move { ack(a, ()) }
    });
    let io2 = io.clone();
    socket.on("room", move |_, args, a| {
        let (room, tag) = args.deserialize::<(String, String)>().unwrap_or_default();
        let _ = io2.to(room).emit("room", &tag);
        async move { ack(a, ()) }
    });
    let io2 = io.clone();
    socket.on("direct", move |_, args, a| {
        let (id, tag) = args.deserialize::<(String, String)>().unwrap_or_default();
        // Through the socket's own handle, kept by the handler below even after it dropped.
        let target = DIRECTORY.lock().unwrap().get(&id).cloned();
        match target {
            Some(target) => {
                let _ = target.emit("direct", &tag);
            }
            None => {
                let _ = io2.to(id).emit("direct", &"no handle");
            }
        }
        async move { ack(a, ()) }
    });
    let io2 = io.clone();
    socket.on("binary", move |_, args, a| {
        let tag = args.get::<String>(0).unwrap_or_default();
        let bytes = bytes::Bytes::from_static(&[1, 2, 3]);
        let _ = io2.emit("bin", &(tag, bytes));
        async move { ack(a, ()) }
    });
    let runs = runs.clone();
    socket.on("mw", move |_, args, a| {
        let name = args.get::<String>(0).unwrap_or_default();
        let n = runs.lock().unwrap().get(&name).copied().unwrap_or(0);
        async move { ack(a, n) }
    });
    DIRECTORY
        .lock()
        .unwrap()
        .insert(socket.id().to_string(), socket.clone());
}

/// The numbers `flood` broadcasts, consecutive across calls.
static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Socket handles by id, kept after they disconnect (tests only: it grows with every socket).
static DIRECTORY: std::sync::LazyLock<Mutex<HashMap<String, Socket>>> =
    std::sync::LazyLock::new(Mutex::default);
