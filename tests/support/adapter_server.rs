//! An adapter written outside the crate, as a user or a cluster adapter's author would: it
//! implements socketry's `Adapter` contract from its public items only, keeping rooms in maps
//! of its own, pretending to share the namespace with a second node (one socket over there,
//! one server-side answer from there), and keeping recovery sessions in their serialized form
//! only, as a store on another machine would. `tests/node/adapter.test.mjs` drives a server on
//! it with socket.io-client v4.

use crate::server::TestServer;
use socketry::adapter::{
    AckOutcome, AckResponse, Adapter, AdapterError, BoxFuture, BroadcastOptions, Handshake,
    LocalNamespace, PersistedSession, RestoredSession, Room, SessionData, SocketInfo,
};
use socketry::engineio::{EngineIoConfig, RequestInfo};
use socketry::{Args, ConnectionStateRecovery, Server, ServerConfig, Socket, SocketId, Str, Value};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// The id of the socket the other (pretend) node holds.
pub const REMOTE_ID: &str = "remote-socket-on-node-b";

#[derive(Default)]
struct Rooms {
    rooms: HashMap<Room, HashSet<SocketId>>,
    sids: HashMap<SocketId, HashSet<Room>>,
}

/// Rooms in two maps, delivery through the namespace, sessions kept serialized.
struct ForeignAdapter {
    nsp: Arc<dyn LocalNamespace>,
    state: Mutex<Rooms>,
    sessions: Mutex<HashMap<String, PersistedSession>>,
    emitted: Arc<Mutex<Vec<Value>>>,
}

impl ForeignAdapter {
    fn select(&self, opts: &BroadcastOptions) -> Vec<SocketId> {
        let st = self.state.lock().unwrap();
        let except: HashSet<&SocketId> = opts
            .except
            .iter()
            .filter_map(|r| st.rooms.get(r))
            .flatten()
            .collect();
        let candidates: Vec<SocketId> = if opts.rooms.is_empty() {
            self.nsp.socket_ids()
        } else {
            let mut seen = HashSet::new();
            opts.rooms
                .iter()
                .filter_map(|r| st.rooms.get(r))
                .flatten()
                .filter(|id| seen.insert((*id).clone()))
                .cloned()
                .collect()
        };
        candidates
            .into_iter()
            .filter(|id| !except.contains(id))
            .collect()
    }

    /// The socket of the other node, described from plain data as its node would send it.
    fn remote_socket() -> SocketInfo {
        let request = RequestInfo {
            method: "GET".parse().unwrap(),
            uri: "/socket.io/?EIO=4&transport=websocket".parse().unwrap(),
            headers: Default::default(),
            remote_addr: Some("10.0.0.2:40000".parse().unwrap()),
            time: SystemTime::now(),
        };
        SocketInfo {
            id: Str::from(REMOTE_ID),
            rooms: vec![Str::from(REMOTE_ID), Str::from("everyone")],
            handshake: Handshake::new(Arc::new(request), serde_json::json!({ "name": "bea" })),
            data: Value::from(serde_json::json!({ "name": "bea" })),
        }
    }
}

impl Adapter for ForeignAdapter {
    fn add_all(&self, id: &SocketId, rooms: &[Room]) {
        let mut st = self.state.lock().unwrap();
        for room in rooms {
            st.rooms.entry(room.clone()).or_default().insert(id.clone());
            st.sids.entry(id.clone()).or_default().insert(room.clone());
        }
    }

    fn del(&self, id: &SocketId, room: &Room) {
        let mut st = self.state.lock().unwrap();
        if let Some(members) = st.rooms.get_mut(room) {
            members.remove(id);
            if members.is_empty() {
                st.rooms.remove(room);
            }
        }
        if let Some(rooms) = st.sids.get_mut(id) {
            rooms.remove(room);
        }
    }

    fn del_all(&self, id: &SocketId) {
        let rooms = self.state.lock().unwrap().sids.remove(id);
        for room in rooms.into_iter().flatten() {
            self.del(id, &room);
        }
    }

    fn socket_rooms(&self, id: &SocketId) -> HashSet<Room> {
        let st = self.state.lock().unwrap();
        st.sids.get(id).cloned().unwrap_or_default()
    }

    fn rooms(&self) -> HashSet<Room> {
        self.state.lock().unwrap().rooms.keys().cloned().collect()
    }

    fn local_sockets(&self, opts: &BroadcastOptions) -> Vec<SocketId> {
        self.select(opts)
    }

    fn broadcast(
        &self,
        packet: &socketry::protocol::socketio::EncodedPacket,
        opts: &BroadcastOptions,
    ) {
        let targets = self.select(opts);
        self.nsp.deliver(&mut targets.iter(), packet, opts.flags);
    }

    fn broadcast_with_ack(
        &self,
        packet: &socketry::protocol::socketio::EncodedPacket,
        ack_id: u64,
        opts: &BroadcastOptions,
        timeout: Duration,
    ) -> BoxFuture<AckOutcome> {
        let targets = self.select(opts);
        let waiting = self
            .nsp
            .deliver_with_ack(&targets, packet, ack_id, opts.flags, timeout);
        Box::pin(async move {
            let mut outcome = AckOutcome {
                clients: waiting.len(),
                responses: Vec::new(),
            };
            for (id, answer) in waiting {
                outcome.responses.push(AckResponse {
                    socket: Some(id),
                    answer: answer.await,
                });
            }
            outcome
        })
    }

    fn fetch_sockets(&self, opts: &BroadcastOptions) -> BoxFuture<Vec<SocketInfo>> {
        let mut sockets = self.nsp.describe(&self.select(opts));
        let remote = Self::remote_socket();
        let selected = opts.rooms.is_empty() || opts.rooms.iter().any(|r| remote.rooms.contains(r));
        if selected && !opts.except.iter().any(|r| remote.rooms.contains(r)) {
            sockets.push(remote);
        }
        Box::pin(std::future::ready(sockets))
    }

    fn add_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        for id in self.select(opts) {
            self.add_all(&id, rooms);
        }
    }

    fn del_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        for id in self.select(opts) {
            for room in rooms {
                self.del(&id, room);
            }
        }
    }

    fn disconnect_sockets(&self, opts: &BroadcastOptions, close: bool) {
        self.nsp.disconnect(&self.select(opts), close);
    }

    fn server_count(&self) -> BoxFuture<usize> {
        Box::pin(std::future::ready(2))
    }

    fn server_side_emit(&self, data: Args) -> Result<(), AdapterError> {
        self.emitted.lock().unwrap().extend(data.iter());
        Ok(())
    }

    fn server_side_emit_with_ack(
        &self,
        data: Args,
        _timeout: Duration,
    ) -> BoxFuture<Result<Vec<Args>, AdapterError>> {
        // The other node answers with the event's name, as its handler would.
        let event = data.iter().next().unwrap_or_default();
        let event = event.as_str().unwrap_or("?");
        let answer: Args = std::iter::once(Value::from(format!("node-b got {event}"))).collect();
        Box::pin(std::future::ready(Ok(vec![answer])))
    }

    fn persist_session(&self, session: PersistedSession) {
        // Kept as another machine would keep it: the data in its serialized form only.
        let data = SessionData::new(session.data.value().clone());
        let session = PersistedSession { data, ..session };
        self.sessions
            .lock()
            .unwrap()
            .insert(session.pid.to_string(), session);
    }

    fn restore_session(
        &self,
        pid: &str,
        _offset: Option<&str>,
    ) -> BoxFuture<Option<RestoredSession>> {
        let session = self.sessions.lock().unwrap().remove(pid);
        Box::pin(std::future::ready(session.map(|session| RestoredSession {
            resume_after: session.since.clone().unwrap_or_default(),
            session,
        })))
    }
}

fn reply(ack: Option<socketry::AckSender>, value: impl serde::Serialize) {
    if let Some(ack) = ack {
        let _ = ack.send(&value);
    }
}

/// Starts a server whose namespaces use this file's adapter, with recovery on.
pub async fn start() -> TestServer {
    let emitted: Arc<Mutex<Vec<Value>>> = Arc::default();
    let e = emitted.clone();
    let io = Server::new(
        ServerConfig::default()
            .engine(
                EngineIoConfig::default()
                    .ping_interval(Duration::from_secs(1))
                    .ping_timeout(Duration::from_secs(1)),
            )
            .connection_state_recovery(ConnectionStateRecovery::default())
            .adapter(move |nsp| {
                Arc::new(ForeignAdapter {
                    nsp,
                    state: Mutex::default(),
                    sessions: Mutex::default(),
                    emitted: e.clone(),
                })
            }),
    );
    let io2 = io.clone();
    io.of("/").on_connection(move |socket: Socket| {
        let io = io2.clone();
        let emitted = emitted.clone();
        async move {
            let _ = socket.emit("welcome", &socket.recovered());
            socket.on("join", |socket, args, ack| async move {
                socket.join(args.get::<String>(0).unwrap_or_default());
                reply(ack, ());
            });
            socket.on("say", |socket, args, _| async move {
                let room: String = args.get(0).unwrap_or_default();
                let _ = socket.to(room).emit("said", &args.slice(1..));
            });
            let i = io.clone();
            socket.on("poll", move |_, args, ack| {
                let io = i.clone();
                async move {
                    let room: String = args.get(0).unwrap_or_default();
                    let answers = io.to(room).emit_with_ack("question", &()).await;
                    let answers: Vec<Value> = answers
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|(_, a)| a.ok()?.get(0).ok())
                        .collect();
                    reply(ack, answers);
                }
            });
            let i = io.clone();
            socket.on("fetch", move |_, args, ack| {
                let io = i.clone();
                async move {
                    let room: Option<String> = args.get(0).ok();
                    let op = match room {
                        Some(room) => io.to(room),
                        None => io.broadcast(),
                    };
                    let mut found: Vec<serde_json::Value> = Vec::new();
                    for s in op.fetch_sockets().await {
                        let mut rooms: Vec<String> =
                            s.rooms.iter().map(|r| r.to_string()).collect();
                        rooms.sort();
                        let name = s
                            .data()
                            .and_then(|d| d.get::<serde_json::Value>().cloned())
                            .unwrap_or_default();
                        found.push(serde_json::json!({
                            "id": s.id,
                            "rooms": rooms,
                            "name": name["name"],
                            "address": s.handshake.address().map(|a| a.to_string()),
                        }));
                    }
                    found.sort_by_key(|f| f["id"].to_string());
                    reply(ack, found);
                }
            });
            socket.on("name", |socket, args, ack| async move {
                let name: String = args.get(0).unwrap_or_default();
                socket.data().insert(serde_json::json!({ "name": name }));
                // Stays on this node: not the serialized form.
                socket.data().insert(7u32);
                reply(ack, ());
            });
            socket.on("whoami", |socket, _, ack| async move {
                let name = socket.data().get::<serde_json::Value>().cloned();
                let local = socket.data().get::<u32>().copied();
                let mut rooms: Vec<String> = socket.rooms().iter().map(|r| r.to_string()).collect();
                rooms.sort();
                reply(
                    ack,
                    serde_json::json!({ "name": name, "local": local, "rooms": rooms }),
                );
            });
            let i = io.clone();
            socket.on("servers", move |_, _, ack| {
                let io = i.clone();
                async move {
                    let count = io.of("/").adapter().server_count().await;
                    let ns = io.of("/");
                    let sent = ns.server_side_emit("hello", &("from", 1)).is_ok();
                    let answers = ns.server_side_emit_with_ack("ping", &()).await;
                    let answers: Vec<String> = answers
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|a| a.get(0).ok())
                        .collect();
                    reply(
                        ack,
                        serde_json::json!({ "count": count, "sent": sent, "answers": answers }),
                    );
                }
            });
            let e = emitted.clone();
            socket.on("emitted", move |_, _, ack| {
                let e = e.clone();
                async move {
                    let seen: Vec<Value> = e.lock().unwrap().clone();
                    reply(ack, seen);
                }
            });
            socket.on("leave", |socket, args, ack| async move {
                socket.leave(args.get::<String>(0).unwrap_or_default());
                reply(ack, ());
            });
            let i = io.clone();
            socket.on("kick", move |_, args, ack| {
                let io = i.clone();
                async move {
                    io.to(args.get::<String>(0).unwrap_or_default())
                        .disconnect_sockets(false);
                    reply(ack, ());
                }
            });
        }
    });
    TestServer::serve(io.router()).await
}
