//! A mixed cluster on one real `redis-server` (or a Redis Cluster of three): socketry nodes with the Redis adapter, and a
//! Node node (`tests/node/cluster-node.mjs`: socket.io 4.8 on `@socket.io/redis-streams-adapter`
//! 0.3) with the same handlers. Every process is stopped when its handle is dropped.

use crate::server::TestServer;
use socketry::adapter::redis::{RedisAdapter, RedisAdapterConfig};
use socketry::{AckSender, ConnectionStateRecovery, Server, ServerConfig, Socket};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A `redis-server` on a loopback port the OS picked, without persistence.
#[derive(Debug)]
pub struct RedisServer {
    /// `redis://127.0.0.1:<port>`.
    pub url: String,
    /// Its port.
    pub port: u16,
    _child: Child,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn spawn_redis(port: u16, extra: &[&str]) -> Child {
    Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("redis-server could not be started; is it installed? (the README's test command installs it)")
}

async fn wait_for_ping(url: &str) {
    let client = redis::Client::open(url).unwrap();
    for _ in 0..100 {
        if let Ok(mut c) = client.get_multiplexed_async_connection().await {
            let pong: Result<String, _> = redis::cmd("PING").query_async(&mut c).await;
            if pong.is_ok() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("redis-server did not answer at {url}");
}

/// Starts `redis-server` (installed by the README's test command) and waits until it answers.
pub async fn start_redis() -> RedisServer {
    let port = free_port();
    let child = spawn_redis(port, &[]);
    let url = format!("redis://127.0.0.1:{port}");
    wait_for_ping(&url).await;
    RedisServer {
        url,
        port,
        _child: child,
    }
}

/// A Redis Cluster of three masters (no replicas) on loopback ports, made with
/// `redis-cli --cluster create`; its files live in a directory removed on drop.
#[derive(Debug)]
pub struct RedisCluster {
    /// `redis://127.0.0.1:<port>` of each master.
    pub urls: Vec<String>,
    _children: Vec<Child>,
    dir: std::path::PathBuf,
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts a three-master Redis Cluster and waits until every node says it is up.
pub async fn start_redis_cluster() -> RedisCluster {
    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let dir = std::env::temp_dir().join(format!("socketry-redis-cluster-{}", ports[0]));
    std::fs::create_dir_all(&dir).expect("a directory for the cluster's files");
    let dir_arg = dir.to_str().expect("a UTF-8 temp dir").to_owned();
    let children = ports
        .iter()
        .map(|port| {
            let conf = format!("nodes-{port}.conf");
            spawn_redis(
                *port,
                &[
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    &conf,
                    "--dir",
                    &dir_arg,
                ],
            )
        })
        .collect();
    let urls: Vec<String> = ports
        .iter()
        .map(|p| format!("redis://127.0.0.1:{p}"))
        .collect();
    for url in &urls {
        wait_for_ping(url).await;
    }
    let created = Command::new("redis-cli")
        .args(["--cluster", "create"])
        .args(ports.iter().map(|p| format!("127.0.0.1:{p}")))
        .args(["--cluster-replicas", "0", "--cluster-yes"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .await
        .expect("redis-cli could not be started");
    assert!(created.success(), "redis-cli --cluster create failed");
    for url in &urls {
        let client = redis::Client::open(url.as_str()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let mut ok = false;
        for _ in 0..200 {
            let info: String = redis::cmd("CLUSTER")
                .arg("INFO")
                .query_async(&mut conn)
                .await
                .unwrap();
            if info.contains("cluster_state:ok") {
                ok = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(ok, "the Redis Cluster node at {url} did not come up");
    }
    RedisCluster {
        urls,
        _children: children,
        dir,
    }
}

/// The Redis a cluster of nodes shares: one server or a Redis Cluster.
#[derive(Debug, Clone, Copy)]
pub enum Redis<'a> {
    /// One `redis-server`.
    Single(&'a RedisServer),
    /// A Redis Cluster.
    Cluster(&'a RedisCluster),
}

impl Redis<'_> {
    async fn adapter(self, config: RedisAdapterConfig) -> RedisAdapter {
        match self {
            Redis::Single(server) => RedisAdapter::connect(&server.url, config).await,
            Redis::Cluster(cluster) => {
                RedisAdapter::connect_cluster(cluster.urls.iter().map(String::as_str), config).await
            }
        }
        .expect("redis reachable")
    }
}

/// A Node node of the cluster.
#[derive(Debug)]
pub struct NodeServer {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    _child: Child,
}

/// Starts `tests/node/cluster-node.mjs` as node `name` on `redis`, its namespaces spread over
/// `stream_count` streams, on sharded channels when `sharded`.
pub async fn start_node_with(
    name: &str,
    redis: Redis<'_>,
    stream_count: u32,
    sharded: bool,
) -> NodeServer {
    let port = free_port();
    let mut command = Command::new("node");
    command
        .arg("node/cluster-node.mjs")
        .current_dir(crate::node::tests_dir())
        .env("PORT", port.to_string())
        .env("NODE_NAME", name)
        .env("STREAM_COUNT", stream_count.to_string())
        .env("SHARDED", if sharded { "1" } else { "" });
    match redis {
        Redis::Single(server) => command.env("REDIS_URL", &server.url),
        Redis::Cluster(cluster) => command.env("REDIS_CLUSTER", cluster.urls.join(",")),
    };
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("node could not be started");
    let stdout = child.stdout.take().expect("piped");
    let mut lines = BufReader::new(stdout).lines();
    let ready = tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line == "ready" {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(ready, Ok(true), "the Node node {name} did not start");
    NodeServer {
        url: format!("http://127.0.0.1:{port}"),
        _child: child,
    }
}

fn reply(ack: Option<AckSender>, value: impl serde::Serialize) {
    if let Some(ack) = ack {
        let _ = ack.send(&value);
    }
}

/// Starts socketry node `name` on `redis` with these adapter options, and the handlers of
/// `cluster-node.mjs`.
pub async fn start_socketry_with(
    name: &'static str,
    redis: Redis<'_>,
    config: RedisAdapterConfig,
) -> TestServer {
    let adapter = redis.adapter(config).await;
    let io = Server::new(
        ServerConfig::default()
            .adapter(adapter.factory())
            .connection_state_recovery(ConnectionStateRecovery::default())
            .cleanup_empty_child_namespaces(true),
    );
    let main = io.of("/");
    main.on_server_side_emit("who", move |_, ack| async move {
        if let Some(ack) = ack {
            let _ = ack.send(&name);
        }
    });
    let i = io.clone();
    main.on_server_side_emit("note", move |args, _| {
        let io = i.clone();
        async move {
            let text: String = args.get(0).unwrap_or_default();
            let _ = io.emit("noted", &(text, name));
        }
    });
    // "/chat" and "/news" map to streams other than "/"'s when the stream count is 3.
    for nsp in ["/", "/chat", "/news"] {
        io.of(nsp).on_connection(on_connection(&io, name));
    }
    // Made when a client joins one, removed once the last leaves (its channels left).
    io.dynamic_namespace(regex::Regex::new(r"^/dyn-\d+$").expect("a pattern"))
        .on_connection(on_connection(&io, name));
    TestServer::serve(io.router()).await
}

/// What a socketry node does with a socket joining one of its namespaces.
fn on_connection(
    io: &Server,
    name: &'static str,
) -> impl Fn(Socket) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>
+ Send
+ Sync
+ 'static {
    let io2 = io.clone();
    move |socket: Socket| {
        let io = io2.clone();
        Box::pin(async move {
            if !socket.recovered() {
                let user = socket.handshake().auth["name"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned();
                socket
                    .data()
                    .insert(serde_json::json!({ "name": user, "node": name }));
            }
            if socket.handshake().auth["quiet"] != true {
                let _ = socket.emit("welcome", &(name, socket.recovered()));
            }
            handlers(&socket, &io, name);
        })
    }
}

fn handlers(socket: &Socket, io: &Server, name: &'static str) {
    socket.on("join", |socket, args, ack| async move {
        socket.join(args.get::<String>(0).unwrap_or_default());
        reply(ack, ());
    });
    socket.on("say", move |socket, args, _| async move {
        let room: String = args.get(0).unwrap_or_default();
        let text: String = args.get(1).unwrap_or_default();
        let _ = socket.to(room).emit("said", &(text, name));
    });
    socket.on("nsp-say", move |socket, args, _| async move {
        let room: String = args.get(0).unwrap_or_default();
        let text: String = args.get(1).unwrap_or_default();
        let _ = socket.namespace().to(room).emit("said", &(text, name));
    });
    let i = io.clone();
    socket.on("shout", move |_, args, _| {
        let io = i.clone();
        async move {
            let text: String = args.get(0).unwrap_or_default();
            let _ = io.emit("shouted", &(text, name));
        }
    });
    let i = io.clone();
    socket.on("poll", move |_, args, ack| {
        let io = i.clone();
        async move {
            let room: String = args.get(0).unwrap_or_default();
            let answers = io
                .to(room)
                .timeout(Duration::from_secs(3))
                .emit_with_ack("question", &())
                .await
                .unwrap_or_default();
            let mut answers: Vec<String> = answers
                .into_iter()
                .filter_map(|(_, a)| a.ok()?.get(0).ok())
                .collect();
            answers.sort();
            reply(ack, answers);
        }
    });
    let i = io.clone();
    socket.on("fetch", move |_, args, ack| {
        let io = i.clone();
        async move {
            let room: String = args.get(0).unwrap_or_default();
            let found: Vec<serde_json::Value> = io
                .to(room)
                .fetch_sockets()
                .await
                .into_iter()
                .map(|s| {
                    let mut rooms: Vec<String> = s.rooms.iter().map(|r| r.to_string()).collect();
                    rooms.sort();
                    let data = s
                        .data()
                        .and_then(|d| d.get::<serde_json::Value>().cloned())
                        .unwrap_or_default();
                    serde_json::json!({ "id": s.id, "rooms": rooms, "data": data, "url": s.handshake.url() })
                })
                .collect();
            reply(ack, found);
        }
    });
    let i = io.clone();
    socket.on("room-size", move |_, args, ack| {
        let io = i.clone();
        async move {
            let room: String = args.get(0).unwrap_or_default();
            reply(ack, io.to(room).all_sockets().await.len());
        }
    });
    let i = io.clone();
    socket.on("remote-join", move |_, args, ack| {
        let io = i.clone();
        async move {
            let (id, room): (String, String) = args.deserialize().unwrap_or_default();
            io.to(id).sockets_join(room);
            reply(ack, ());
        }
    });
    let i = io.clone();
    socket.on("remote-leave", move |_, args, ack| {
        let io = i.clone();
        async move {
            let (id, room): (String, String) = args.deserialize().unwrap_or_default();
            io.to(id).sockets_leave(room);
            reply(ack, ());
        }
    });
    let i = io.clone();
    socket.on("remote-kick", move |_, args, ack| {
        let io = i.clone();
        async move {
            io.to(args.get::<String>(0).unwrap_or_default())
                .disconnect_sockets(false);
            reply(ack, ());
        }
    });
    socket.on("state", |socket, _, ack| async move {
        let data = socket.data().get::<serde_json::Value>().cloned();
        let mut rooms: Vec<String> = socket.rooms().iter().map(|r| r.to_string()).collect();
        rooms.sort();
        reply(
            ack,
            serde_json::json!({ "recovered": socket.recovered(), "data": data, "rooms": rooms }),
        );
    });
    let i = io.clone();
    socket.on("volatile-say", move |_, args, _| {
        let io = i.clone();
        async move {
            let room: String = args.get(0).unwrap_or_default();
            let text: String = args.get(1).unwrap_or_default();
            let _ = io.to(room).volatile().emit("said", &(text, name));
        }
    });
    let i = io.clone();
    socket.on("shutdown-node", move |_, _, ack| {
        let io = i.clone();
        async move {
            reply(ack, ());
            // As `serve_app` does on its shutdown signal.
            io.close_and_flush().await;
        }
    });
    socket.on("my-rooms", |socket, _, ack| async move {
        let mut rooms: Vec<String> = socket.rooms().iter().map(|r| r.to_string()).collect();
        rooms.sort();
        reply(ack, rooms);
    });
    let i = io.clone();
    socket.on("count", move |_, _, ack| {
        let io = i.clone();
        async move { reply(ack, io.of("/").adapter().server_count().await) }
    });
    socket.on("nsp-count", move |socket, _, ack| async move {
        reply(ack, socket.namespace().adapter().server_count().await)
    });
    let i = io.clone();
    socket.on("ask-servers", move |_, _, ack| {
        let io = i.clone();
        async move {
            let answers = io.of("/").server_side_emit_with_ack("who", &()).await;
            let mut answers: Vec<String> = match answers {
                Ok(answers) => answers.iter().filter_map(|a| a.get(0).ok()).collect(),
                Err(e) => vec![format!("error: {e}")],
            };
            answers.sort();
            reply(ack, answers);
        }
    });
    let i = io.clone();
    socket.on("note-servers", move |_, args, ack| {
        let io = i.clone();
        async move {
            let text: String = args.get(0).unwrap_or_default();
            let _ = io.of("/").server_side_emit("note", &text);
            reply(ack, ());
        }
    });
}
