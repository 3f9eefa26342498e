//! The server that `tests/node/soak.test.mjs` churns through: connection state recovery on
//! (sessions kept 2 s), heartbeats of 1 s. Its events:
//! - `join(room)`, acknowledged;
//! - `burst(n, room?)`: `n` broadcasts `tick(i)`, to the room or to all, then acknowledged;
//! - `ask`: the server emits `question` with an acknowledgement, which the client answers or
//!   not (a pending acknowledgement to free when the socket goes), then acknowledged.
//!
//! `GET /control/stats` gives [`socketry::Server::stats`] and the process's resident memory.

use crate::server::TestServer;
use axum::Router;
use axum::routing::get;
use socketry::engineio::EngineIoConfig;
use socketry::{ConnectionStateRecovery, Server, ServerConfig, Socket};
use std::time::Duration;

/// Starts the server on a port the OS picks.
pub async fn start() -> TestServer {
    let io = Server::new(
        ServerConfig::default()
            .engine(
                EngineIoConfig::default()
                    .ping_interval(Duration::from_secs(1))
                    .ping_timeout(Duration::from_secs(1)),
            )
            .connection_state_recovery(
                ConnectionStateRecovery::default()
                    .max_disconnection_duration(Duration::from_secs(2)),
            ),
    );
    let io2 = io.clone();
    io.of("/").on_connection(move |socket: Socket| {
        let io = io2.clone();
        socket.on("join", |s, args, ack| async move {
            s.join(args.get::<String>(0).unwrap_or_default());
            if let Some(ack) = ack {
                let _ = ack.send(&true);
            }
        });
        socket.on("burst", move |_s, args, ack| {
            let io = io.clone();
            async move {
                let n: u32 = args.get(0).unwrap_or(0);
                let room: Option<String> = args.get(1).ok();
                for i in 0..n {
                    let _ = match &room {
                        Some(room) => io.to(room.clone()).emit("tick", &i),
                        None => io.emit("tick", &i),
                    };
                }
                if let Some(ack) = ack {
                    let _ = ack.send(&n);
                }
            }
        });
        socket.on("ask", |s, _args, ack| async move {
            // Not awaited to the end: the client may never answer, and the socket leaving
            // must free what waits for it.
            let question = s
                .timeout(Duration::from_secs(60))
                .emit_with_ack("question", &());
            tokio::spawn(question);
            if let Some(ack) = ack {
                let _ = ack.send(&true);
            }
        });
        async {}
    });
    let stats_io = io.clone();
    let app = Router::new().merge(io.router()).route(
        "/control/stats",
        get(move || {
            let io = stats_io.clone();
            async move {
                let s = io.stats();
                axum::Json(serde_json::json!({
                    "sessions": s.sessions,
                    "sockets": s.sockets,
                    "namespaces": s.namespaces,
                    "rooms": s.rooms,
                    "pendingAcks": s.pending_acks,
                    "recoverySessions": s.recovery_sessions,
                    "recoveryPackets": s.recovery_packets,
                    "tasks": s.runtime_tasks,
                    "rss": crate::sio_server::resident_bytes(),
                }))
            }
        }),
    );
    TestServer::serve(app).await
}
