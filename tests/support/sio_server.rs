//! The Socket.IO server that `tests/node/socketio*.test.mjs` run against. Its events are the
//! test's remote controls; `GET /control/...` routes expose what only the server can see.
//!
//! Engine.IO v3 is allowed, so that `socket.io-client` 2.x connects beside v4 clients.
//!
//! Namespaces:
//! - `/`: the events listed in `main_handlers`;
//! - `/guarded`: two middlewares; the first stores the auth token as socket data, the second
//!   refuses anything but `secret` with a `connect_error` carrying `{ code: 42 }`;
//! - `/dyn-<digits>` (regex) and `/slow-<anything>` (a predicate that takes 200 ms): dynamic.
//!
//! A second server, under path `/small-queue`, queues at most 8 packets per client: its `flood`
//! event (`count`, optional `room`) broadcasts `count` `tick` events 2 ms apart, to the room or
//! to all, so that a client that stops reading is dropped in the middle of a broadcast.
//!
//! A third, under path `/slow-readers`, queues at most 1 MiB per client (and the default
//! 16 384 packets): its `blast` event (`count`, `size`) sends `count` `big` events of `size`
//! bytes to each socket of `/` in turn, each its own message, waiting for the requester to
//! acknowledge each one, so that only the clients that stopped reading fall behind.
//! `GET /control/rss` gives the process's resident memory in bytes.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use socketry::engineio::EngineIoConfig;
use socketry::{AckError, MiddlewareError, Server, ServerConfig, Socket};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the control routes report.
#[derive(Debug, Default)]
pub struct Observed {
    /// Socket id → the reason it disconnected with.
    reasons: Mutex<HashMap<String, String>>,
    /// Socket id → the rooms it was in when `disconnecting` ran.
    rooms_at_disconnecting: Mutex<HashMap<String, Vec<String>>>,
    /// How many `/slow-*` namespaces the predicate let through (one per name expected).
    slow_checks: AtomicUsize,
}

pub use crate::server::TestServer;

fn record(observed: &Arc<Observed>, socket: &Socket) {
    let o = observed.clone();
    socket.on_disconnecting(move |s, _| {
        let mut rooms: Vec<String> = s.rooms().iter().map(|r| r.to_string()).collect();
        rooms.sort();
        o.rooms_at_disconnecting
            .lock()
            .unwrap()
            .insert(s.id().to_string(), rooms);
    });
    let o = observed.clone();
    socket.on_disconnect(move |s, reason| {
        let o = o.clone();
        async move {
            o.reasons
                .lock()
                .unwrap()
                .insert(s.id().to_string(), reason.as_str().to_owned());
        }
    });
}

fn ack_error(e: &AckError) -> &'static str {
    match e {
        AckError::Timeout => "timeout",
        AckError::Disconnected => "disconnected",
        _ => "other",
    }
}

fn main_handlers(io: &Server, socket: &Socket) {
    let _ = socket.emit(
        "welcome",
        &serde_json::json!({
            "id": socket.id(),
            "auth": socket.handshake().auth,
            "query": socket.handshake().query(),
            "engineId": socket.engine().id(),
        }),
    );
    socket.on("echo", |s, args, _| async move {
        let _ = s.emit("echo", &args);
    });
    socket.on("ack", |_, args, ack| async move {
        if let Some(ack) = ack {
            let _ = ack.send(&args);
        }
    });
    // The arguments after the first, re-emitted as dynamic values, and the first (a key)
    // looked up in the second as the acknowledgement: binary and key order kept.
    socket.on("values", |s, args, ack| async move {
        let _ = s.emit("values", &args.slice(1..));
        let values: Vec<socketry::Value> = args.iter().collect();
        let key = values.first().and_then(|k| k.as_str()).unwrap_or_default();
        if let Some(ack) = ack {
            let _ = ack.send(&values.get(1).map(|v| v[key].clone()));
        }
    });
    socket.on("null", |s, _, ack| async move {
        let _ = s.emit("null", &serde_json::Value::Null);
        if let Some(ack) = ack {
            let _ = ack.send(&socketry::Value::Null);
        }
    });
    socket.on("typed", |_, args, ack| async move {
        let answer = match args.deserialize::<(String, u32)>() {
            Ok((name, n)) => serde_json::json!({ "ok": format!("{name}:{}", n * 2) }),
            Err(e) => serde_json::json!({ "error": e.to_string() }),
        };
        if let Some(ack) = ack {
            let _ = ack.send(&answer);
        }
    });
    socket.on("join", |s, args, ack| async move {
        let rooms: Vec<String> = args.get(0).unwrap_or_default();
        s.join(rooms);
        if let Some(ack) = ack {
            let mut rooms: Vec<String> = s.rooms().iter().map(|r| r.to_string()).collect();
            rooms.sort();
            let _ = ack.send(&rooms);
        }
    });
    socket.on("leave", |s, args, ack| async move {
        let room: String = args.get(0).unwrap_or_default();
        s.leave(room);
        if let Some(ack) = ack {
            let _ = ack.send(&());
        }
    });
    socket.on("to-rooms", |s, args, _| async move {
        let (rooms, msg): (Vec<String>, String) = args.deserialize().unwrap();
        let _ = s.to(rooms).emit("room-message", &msg);
    });
    socket.on("broadcast", |s, args, _| async move {
        let _ = s.broadcast().emit("broadcast", &args);
    });
    let io2 = io.clone();
    socket.on("emit-all", move |_, args, _| {
        let io = io2.clone();
        async move {
            let _ = io.emit("all", &args);
        }
    });
    let io2 = io.clone();
    socket.on("emit-except", move |_, args, _| {
        let io = io2.clone();
        async move {
            let (room, msg): (String, String) = args.deserialize().unwrap();
            let _ = io.except(room).emit("except-message", &msg);
        }
    });
    socket.on("ask", |s, args, _| async move {
        // The server asks the client, then reports the client's answer.
        let timeout: u64 = args.get(0).unwrap_or(1000);
        let result = s
            .timeout(Duration::from_millis(timeout))
            .emit_with_ack("question", &(1, "two"))
            .await;
        let _ = match result {
            Ok(answer) => s.emit("answer", &answer),
            Err(e) => s.emit("ask-failed", &ack_error(&e)),
        };
    });
    let io2 = io.clone();
    socket.on("poll-all", move |s, args, _| {
        let io = io2.clone();
        async move {
            let timeout: u64 = args.get(0).unwrap_or(1000);
            let acks = io
                .broadcast()
                .timeout(Duration::from_millis(timeout))
                .emit_with_ack("poll", &())
                .await
                .unwrap();
            let mut answers: Vec<serde_json::Value> = Vec::new();
            let mut failures = Vec::new();
            for (_, r) in &acks {
                match r {
                    Ok(args) => answers.push(args.get(0).unwrap_or_default()),
                    Err(e) => failures.push(ack_error(e)),
                }
            }
            answers.sort_by_key(|v| v.to_string());
            let _ = s.emit(
                "poll-results",
                &serde_json::json!({
                    "count": acks.len(), "answers": answers, "failures": failures,
                }),
            );
        }
    });
    socket.on("rooms", |s, _, ack| async move {
        let mut rooms: Vec<String> = s.rooms().iter().map(|r| r.to_string()).collect();
        rooms.sort();
        if let Some(ack) = ack {
            let _ = ack.send(&rooms);
        }
    });
    socket.on("set-data", |s, args, ack| async move {
        let v: String = args.get(0).unwrap_or_default();
        s.data().insert(v);
        if let Some(ack) = ack {
            let _ = ack.send(&());
        }
    });
    socket.on("get-data", |s, _, ack| async move {
        if let Some(ack) = ack {
            let v = s.data().get::<String>().cloned();
            let _ = ack.send(&v);
        }
    });
    socket.on("disconnect-me", |s, args, _| async move {
        let close: bool = args.get(0).unwrap_or(false);
        s.disconnect(close);
    });
    socket.on("panic", |_, _, _| async move {
        panic!("a handler panicked on purpose");
    });
    socket.on("slow", |_, _, ack| async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if let Some(ack) = ack {
            let _ = ack.send(&"slow done");
        }
    });
    let io2 = io.clone();
    socket.on("room-ops", move |s, args, ack| {
        let io = io2.clone();
        async move {
            let (op, room, target): (String, String, String) = args.deserialize().unwrap();
            match op.as_str() {
                "join" => io.to(room).sockets_join(target),
                "leave" => io.to(room).sockets_leave(target),
                "disconnect" => io.to(room).disconnect_sockets(false),
                _ => {}
            }
            let ids: Vec<String> = io
                .to(s.id())
                .fetch_sockets()
                .await
                .iter()
                .map(|s| s.id.to_string())
                .collect();
            if let Some(ack) = ack {
                let _ = ack.send(&ids);
            }
        }
    });
    let io2 = io.clone();
    socket.on("fetch-room", move |_, args, ack| {
        let io = io2.clone();
        async move {
            let room: String = args.get(0).unwrap_or_default();
            let found = io.to(room.as_str()).fetch_sockets().await;
            let mut out: Vec<serde_json::Value> = found
                .iter()
                .map(|r| {
                    let mut rooms: Vec<String> = r.rooms.iter().map(|x| x.to_string()).collect();
                    rooms.sort();
                    serde_json::json!({ "id": r.id, "rooms": rooms, "ns": r.ns(), "eio": r.handshake.query().get("EIO").cloned() })
                })
                .collect();
            out.sort_by_key(|v| v["id"].to_string());
            for r in &found {
                let _ = r.emit("remote-hello", &room);
            }
            if let Some(ack) = ack {
                let _ = ack.send(&out);
            }
        }
    });
    let io2 = io.clone();
    socket.on("server-side", move |_, _, ack| {
        let io = io2.clone();
        async move {
            let result = io
                .of("/")
                .server_side_emit("sync", &1)
                .map_err(|e| e.to_string());
            if let Some(ack) = ack {
                let _ = ack.send(&result.err());
            }
        }
    });
    socket.on("volatile-burst", |s, args, _| async move {
        let n: u32 = args.get(0).unwrap_or(0);
        for i in 0..n {
            let _ = s.emit("burst", &i);
        }
        // A volatile packet is dropped while the connection has packets waiting.
        let _ = s.to(s.id()).volatile().emit("volatile", &"maybe");
    });
    socket.on_any_outgoing(|s, event, args| {
        if event == "burst" {
            return;
        }
        s.data()
            .get_or_insert_default::<Vec<String>>()
            .push(format!("out:{event}:{}", args.len()));
    });
    socket.on("any-log", |s, _, ack| async move {
        if let Some(ack) = ack {
            let log = s.data().get::<Vec<String>>().cloned().unwrap_or_default();
            let _ = ack.send(&log);
        }
    });
    socket.on_any(|s, event, args| {
        s.data()
            .get_or_insert_default::<Vec<String>>()
            .push(format!("{event}:{}", args.len()));
    });
}

/// Starts the server on a port the OS picks.
pub async fn start() -> TestServer {
    let observed = Arc::new(Observed::default());
    let io = Server::new(
        ServerConfig::default()
            .engine(
                EngineIoConfig::default()
                    .path("/socket.io")
                    // Heartbeats every second, 1 s for the pong: the ping-timeout tests stay
                    // short, and no ping slips between the frames a raw-protocol test expects,
                    // nor times out a healthy client, on a loaded machine.
                    .ping_interval(Duration::from_millis(1000))
                    .ping_timeout(Duration::from_millis(1000))
                    .allow_eio3(true),
            )
            .connect_timeout(Duration::from_millis(2000))
            .ack_timeout(Duration::from_secs(2))
            // The browser client of the npm package the tests install.
            .serve_client(crate::node::tests_dir().join("node_modules/socket.io-client")),
    );

    let (io2, o) = (io.clone(), observed.clone());
    io.of("/").on_connection(move |socket: Socket| {
        record(&o, &socket);
        main_handlers(&io2, &socket);
        async {}
    });

    let guarded = io.of("/guarded");
    guarded.middleware(|socket: Socket| async move {
        let token = socket.handshake().auth["token"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        socket.data().insert(token);
        Ok(())
    });
    guarded.middleware(|socket: Socket| async move {
        let token = socket.data().get::<String>().cloned();
        match token.as_deref() {
            Some("secret") => Ok(()),
            _ => {
                Err(MiddlewareError::new("not authorized")
                    .with_data(serde_json::json!({ "code": 42 })))
            }
        }
    });
    let o = observed.clone();
    guarded.on_connection(move |socket: Socket| {
        record(&o, &socket);
        async move {
            let token = socket.data().get::<String>().cloned();
            let _ = socket.emit("welcome", &token);
        }
    });

    let o = observed.clone();
    io.dynamic_namespace(regex::Regex::new(r"^/dyn-\d+$").unwrap())
        .on_connection(move |socket: Socket| {
            record(&o, &socket);
            async move {
                let _ = socket.emit("hello", &socket.ns());
            }
        });
    let o = observed.clone();
    io.dynamic_namespace_with(move |name, _auth| {
        let slow = name.starts_with("/slow-");
        let o = o.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if slow {
                o.slow_checks.fetch_add(1, Ordering::SeqCst);
            }
            slow
        }
    })
    .on_connection(|socket: Socket| async move {
        let _ = socket.emit("hello", &socket.ns());
    });

    let observed_for_small = observed.clone();
    let control = Router::new()
        .route(
            "/control/reason/{id}",
            get(
                |State((o, _)): State<(Arc<Observed>, Server)>, Path(id): Path<String>| async move {
                    o.reasons
                        .lock()
                        .unwrap()
                        .get(&id)
                        .cloned()
                        .unwrap_or_default()
                },
            ),
        )
        .route(
            "/control/disconnecting-rooms/{id}",
            get(
                |State((o, _)): State<(Arc<Observed>, Server)>, Path(id): Path<String>| async move {
                    let rooms = o.rooms_at_disconnecting.lock().unwrap().get(&id).cloned();
                    axum::Json(rooms)
                },
            ),
        )
        .route(
            "/control/rss",
            get(|| async { resident_bytes().to_string() }),
        )
        .route(
            "/control/state",
            get(
                |State((o, io)): State<(Arc<Observed>, Server)>| async move {
                    let mut rooms: Vec<String> =
                        io.of("/").rooms().iter().map(|r| r.to_string()).collect();
                    rooms.sort();
                    axum::Json(serde_json::json!({
                        "sockets": io.sockets().len(),
                        "rooms": rooms,
                        "engineSessions": io.engine().session_count(),
                        "slowChecks": o.slow_checks.load(Ordering::SeqCst),
                    // The registered namespace: sockets in a duplicate would be missing here.
                    "slowRoomSockets": io.namespace("/slow-room").map_or(0, |n| n.sockets().len()),
                    }))
                },
            ),
        )
        .with_state((observed, io.clone()));

    let app = Router::new()
        .merge(io.router())
        .merge(small_queue(&observed_for_small).router())
        .merge(slow_readers(&observed_for_small).router())
        .merge(control);
    TestServer::serve(app).await
}

/// The server under `/small-queue` (see the module docs).
fn small_queue(observed: &Arc<Observed>) -> Server {
    let io = Server::new(
        ServerConfig::default().engine(
            EngineIoConfig::default()
                .path("/small-queue")
                .max_buffered_packets(8),
        ),
    );
    let (io2, o) = (io.clone(), observed.clone());
    io.of("/").on_connection(move |socket: Socket| {
        record(&o, &socket);
        socket.on("join", |s, args, ack| async move {
            s.join(args.get::<String>(0).unwrap_or_default());
            if let Some(ack) = ack {
                let _ = ack.send(&"joined");
            }
        });
        let io = io2.clone();
        socket.on("flood", move |_s, args, ack| {
            let io = io.clone();
            async move {
                let count: u32 = args.get(0).unwrap_or(0);
                let room: Option<String> = args.get(1).ok();
                for i in 0..count {
                    // A moment between ticks: a client that reads keeps up.
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    let _ = match &room {
                        Some(room) => io.to(room.clone()).emit("tick", &i),
                        None => io.emit("tick", &i),
                    };
                }
                if let Some(ack) = ack {
                    let _ = ack.send(&count);
                }
            }
        });
        async {}
    });
    io
}

/// The server under `/slow-readers` (see the module docs).
fn slow_readers(observed: &Arc<Observed>) -> Server {
    let io = Server::new(
        ServerConfig::default().engine(
            EngineIoConfig::default()
                .path("/slow-readers")
                .max_buffered_bytes(1 << 20),
        ),
    );
    let (io2, o) = (io.clone(), observed.clone());
    io.of("/").on_connection(move |socket: Socket| {
        record(&o, &socket);
        let io = io2.clone();
        socket.on("blast", move |me, args, ack| {
            let io = io.clone();
            async move {
                let count: u32 = args.get(0).unwrap_or(0);
                let size: usize = args.get(1).unwrap_or(0);
                let payload = "x".repeat(size);
                let mut refused = 0;
                for i in 0..count {
                    for s in io.sockets() {
                        if s.id() != me.id() {
                            refused += usize::from(s.emit("big", &(i, &payload)).is_err());
                        }
                    }
                    if me.emit_with_ack("big", &(i, &payload)).await.is_err() {
                        return;
                    }
                }
                if let Some(ack) = ack {
                    let _ = ack.send(&refused);
                }
            }
        });
        async {}
    });
    io
}

/// The resident memory of this process, in bytes (0 where `/proc` does not say).
pub fn resident_bytes() -> u64 {
    status_bytes("VmRSS:")
}

/// A size in `/proc/self/status` (`VmRSS:`, `RssAnon:`, `RssFile:`), in bytes (0 where `/proc`
/// does not say).
pub fn status_bytes(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with(field))?;
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib * 1024)
        })
        .unwrap_or(0)
}
