//! The server that `tests/node/soak.test.mjs` churns through and `tests/node/shutdown.test.mjs`
//! shuts down: connection state recovery on, heartbeats and recovery window as given. Its
//! events:
//! - `join(room)`, acknowledged;
//! - `burst(n, room?)`: `n` broadcasts `tick(i)`, to the room or to all, then acknowledged;
//! - `ask`: the server emits `question` with an acknowledgement, which the client answers or
//!   not (a pending acknowledgement to free when the socket goes), then acknowledged.
//!
//! - `storm(n, every)`: `n` broadcasts `storm(i)` to all, one every `every` milliseconds
//!   (broadcasts in flight while the server shuts down), acknowledged at once.
//!
//! `GET /control/stats` gives [`socketry::Server::stats`] and the process's resident memory.
//! `POST /control/heap-dump?name=N` writes a jemalloc heap profile to `$SOAK_HEAP_DUMPS/N.heap`
//! (feature `heap-profile`; without it, 404).
//! `POST /control/shutdown` shuts the server down as `Server::serve_app` does on SIGTERM;
//! The Rust test's output says how long the shutdown took.

use crate::server::TestServer;
use axum::Router;
use axum::routing::{get, post};
use socketry::engineio::EngineIoConfig;
use socketry::{ConnectionStateRecovery, Server, ServerConfig, Socket};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Starts the server on a port the OS picks, with this ping interval and ping timeout, and
/// recovery sessions kept for `window`.
pub async fn start(
    ping_interval: Duration,
    ping_timeout: Duration,
    window: Duration,
) -> TestServer {
    let io = Server::new(
        ServerConfig::default()
            .engine(
                EngineIoConfig::default()
                    .ping_interval(ping_interval)
                    .ping_timeout(ping_timeout),
            )
            .connection_state_recovery(
                ConnectionStateRecovery::default().max_disconnection_duration(window),
            ),
    );
    let io2 = io.clone();
    io.of("/").on_connection(move |socket: Socket| {
        let io = io2.clone();
        let storm_io = io.clone();
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
        socket.on("storm", move |_s, args, ack| {
            let io = storm_io.clone();
            async move {
                let n: u64 = args.get(0).unwrap_or(0);
                let every: u64 = args.get(1).unwrap_or(10);
                if let Some(ack) = ack {
                    let _ = ack.send(&n);
                }
                let mut tick = tokio::time::interval(Duration::from_millis(every.max(1)));
                for i in 0..n {
                    tick.tick().await;
                    let _ = io.emit("storm", &i);
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
    let shutdown = Arc::new(tokio::sync::Notify::new());
    let (signal, wait) = (shutdown.clone(), shutdown);
    let since: Arc<Mutex<Option<Instant>>> = Arc::default();
    let (mark, read) = (since.clone(), since);
    let app = Router::new().merge(io.router()).route(
        "/control/shutdown",
        post(move || {
            let signal = signal.clone();
            async move {
                signal.notify_one();
                "shutting down"
            }
        }),
    );
    let app = app.route(
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
                    // Of which: memory the process wrote (heap, stacks), and pages of files it
                    // mapped (its own code, paged in as paths run for the first time).
                    "rssAnon": crate::sio_server::status_bytes("RssAnon:"),
                    "rssFile": crate::sio_server::status_bytes("RssFile:"),
                    "heap": heap_bytes(),
                    "allocator": allocator_bytes(),
                }))
            }
        }),
    );
    #[cfg(feature = "heap-profile")]
    let app = app.route(
        "/control/heap-dump",
        post(
            |axum::extract::Query(q): axum::extract::Query<
                std::collections::HashMap<String, String>,
            >| async move { heap_dump(q.get("name").map_or("dump", String::as_str)) },
        ),
    );
    let shutdown = async move {
        wait.notified().await;
        *mark.lock().unwrap() = Some(Instant::now());
    };
    let stopped = move || {
        if let Some(at) = *read.lock().unwrap() {
            eprintln!(
                "soak server: serve_app returned {:?} after the shutdown signal",
                at.elapsed()
            );
        }
    };
    TestServer::serve_app(io, app, shutdown, stopped).await
}

/// The bytes the program holds on the heap (allocated and not freed), when it runs on
/// jemalloc (feature `jemalloc`): unlike the resident memory, it does not count what the
/// allocator keeps of what was freed. Objects freed into a thread cache count as allocated:
/// `benches/soak.sh` turns the caches off (`tcache:false`) for this figure to be exact.
fn heap_bytes() -> Option<usize> {
    #[cfg(feature = "jemalloc")]
    {
        use tikv_jemalloc_ctl::{epoch, stats};
        epoch::advance().ok()?;
        stats::allocated::read().ok()
    }
    #[cfg(not(feature = "jemalloc"))]
    None
}

/// What jemalloc holds besides the heap, when it is the allocator: `resident` (its pages in
/// memory: live objects, dirty pages not yet given back, and its metadata) and `metadata`.
fn allocator_bytes() -> Option<serde_json::Value> {
    #[cfg(feature = "jemalloc")]
    {
        use tikv_jemalloc_ctl::{epoch, stats};
        epoch::advance().ok()?;
        Some(serde_json::json!({
            "resident": stats::resident::read().ok()?,
            "metadata": stats::metadata::read().ok()?,
            "retained": stats::retained::read().ok()?,
        }))
    }
    #[cfg(not(feature = "jemalloc"))]
    None
}

/// Writes jemalloc's heap profile (the allocations it sampled that are still live) to
/// `$SOAK_HEAP_DUMPS/{name}.heap`, and the program's path beside it for `jeprof`.
#[cfg(feature = "heap-profile")]
fn heap_dump(name: &str) -> (axum::http::StatusCode, String) {
    let Some(dir) = std::env::var_os("SOAK_HEAP_DUMPS") else {
        return (
            axum::http::StatusCode::CONFLICT,
            "SOAK_HEAP_DUMPS is not set".into(),
        );
    };
    let dir = std::path::PathBuf::from(dir);
    if let Ok(exe) = std::env::current_exe() {
        let _ = std::fs::write(dir.join("program"), exe.to_string_lossy().as_bytes());
    }
    let path = dir.join(format!("{name}.heap"));
    // jemalloc keeps the name it is given for as long as it likes: a leaked, NUL-ended copy.
    let mut bytes = path.to_string_lossy().into_owned().into_bytes();
    bytes.push(0);
    let name: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    match tikv_jemalloc_ctl::raw::write_str(b"prof.dump\0", name) {
        Ok(()) => (axum::http::StatusCode::OK, path.display().to_string()),
        Err(e) => (
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            format!("prof.dump: {e} (is _RJEM_MALLOC_CONF prof:true set?)"),
        ),
    }
}
