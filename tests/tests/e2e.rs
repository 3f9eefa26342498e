//! Every end-to-end suite, in one table: each row starts the fixture servers of one feature
//! (`support/*_server.rs`) on loopback ports the OS picks, then runs one `node --test` file of
//! `tests/node/` against them with the official npm clients.
//!
//! One row by name: `cargo test -p socketry-tests --test e2e recovery`. One case of a row by
//! name (a `node --test` name pattern): `E2E_CASE='volatile' cargo test -p socketry-tests --test
//! e2e recovery`.

use socketry::ConnectionStateRecovery;
use socketry_tests::server::TestServer;
use socketry_tests::{
    adapter_server, cluster_server, engine_server, node, recovery_server, sio_server, soak_server,
    typed_server,
};
use std::time::Duration;

// The long soak's allocator experiment (feature `jemalloc`, see `benches/soak.sh`).
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// One row at a time: the suites check heartbeats, timeouts and recovery windows, and two of
/// them at once on a two-core machine would measure each other.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

macro_rules! suites {
    ($($name:ident: $file:literal within $secs:literal, $servers:expr;)*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let _turn = ONE_AT_A_TIME.lock().await;
            let servers: Vec<(&str, TestServer)> = $servers;
            let env: Vec<(&str, String)> = servers.iter().map(|(k, s)| (*k, s.url())).collect();
            node::run($file, &env, Duration::from_secs($secs)).await;
        }
    )*};
}

suites! {
    engine_io: "engineio.test.mjs" within 240,
        vec![("SOCKETRY_URL", engine_server::start().await)];
    socket_io: "socketio.test.mjs" within 240,
        vec![("SOCKETRY_URL", sio_server::start().await)];
    socket_io_v2: "socketio-v2.test.mjs" within 240,
        vec![("SOCKETRY_URL", sio_server::start().await)];
    typed: "typed.test.mjs" within 120,
        vec![("SOCKETRY_URL", typed_server::start().await)];
    recovery: "recovery.test.mjs" within 180, vec![
        ("SOCKETRY_URL", recovery_server::start(ConnectionStateRecovery::default()).await),
        (
            "SOCKETRY_URL_STRICT",
            recovery_server::start(
                ConnectionStateRecovery::default()
                    .skip_middlewares(false)
                    .max_disconnection_duration(Duration::from_secs(2)),
            )
            .await,
        ),
    ];
    adapter: "adapter.test.mjs" within 120,
        vec![("SOCKETRY_URL", adapter_server::start().await)];
}

/// The churn soak: short here; `benches/soak.sh` sets `SOAK_CLIENTS` and `SOAK_WAVES` for the
/// long one, and gets the time it needs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let long =
        std::env::var_os("SOAK_CLIENTS").is_some() || std::env::var_os("SOAK_WAVES").is_some();
    // Pings every second keep heartbeat timers churning with the clients. The ping timeout and
    // the recovery window are what a client must answer and come back within: with the 240
    // clients of one Node process and this debug-built server sharing two busy cores, a second
    // is not always enough (clients then time out, as they would against any server), and a
    // longer window costs each wave only the wait for its recovery sessions to expire. The long
    // soak's client process runs thousands of clients and answers later still.
    let (interval, timeout, window) = if long { (10, 10, 30) } else { (1, 5, 5) };
    let server = soak_server::start(
        Duration::from_secs(interval),
        Duration::from_secs(timeout),
        Duration::from_secs(window),
    )
    .await;
    let limit = Duration::from_secs(if long { 4 * 3600 } else { 300 });
    node::run("soak.test.mjs", &[("SOCKETRY_URL", server.url())], limit).await;
}

/// The chat demo, built as the README's first command builds it, in headless Chromium (Debian's
/// `chromium`, which the README's test command installs): two users, delivered marks, typing
/// notices, a network drop recovered, a server restart. `UPDATE_SCREENSHOT=1` keeps the
/// README's screenshot (`examples/chat/screenshot.png`) that the run takes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let chromium = ["chromium", "chromium-browser"]
        .iter()
        .find_map(|name| which(name))
        .expect("chromium is not installed: the README's test command installs it (apt-get install chromium)");
    let chat = build_example("chat");
    let screenshot = if std::env::var_os("UPDATE_SCREENSHOT").is_some() {
        node::tests_dir().join("../examples/chat/screenshot.png")
    } else {
        std::env::temp_dir().join(format!("socketry-chat-{}.png", std::process::id()))
    };
    let env = [
        ("CHAT_BIN", chat.display().to_string()),
        ("CHROMIUM", chromium.display().to_string()),
        ("SCREENSHOT", screenshot.display().to_string()),
        ("OWN_SERVERS", "1".to_owned()),
    ];
    node::run("browser.test.mjs", &env, Duration::from_secs(240)).await;
    assert!(screenshot.is_file(), "the run took its screenshot");
}

/// The examples a user copies (`axum_app`, `tower_layer`, `recovery`, `metrics`), built and run
/// as they are, against the official client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn examples() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let env = [
        (
            "AXUM_APP_BIN",
            build_example("axum_app").display().to_string(),
        ),
        (
            "TOWER_LAYER_BIN",
            build_example("tower_layer").display().to_string(),
        ),
        (
            "RECOVERY_BIN",
            build_example("recovery").display().to_string(),
        ),
        (
            "METRICS_BIN",
            build_example_with("metrics", &["metrics"])
                .display()
                .to_string(),
        ),
        ("OWN_SERVERS", "1".to_owned()),
    ];
    node::run("examples.test.mjs", &env, Duration::from_secs(120)).await;
}

/// Where `name` is on the `PATH`.
fn which(name: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Builds example `name` of the examples package (as `cargo run --example` would) and gives
/// its executable. Built with the package selection of the test command (`--workspace`), so
/// that cargo unifies features as it did for the tests and reuses their build of `socketry`
/// rather than compiling it again with the examples' features alone.
fn build_example(name: &str) -> std::path::PathBuf {
    build_example_with(name, &[])
}

/// [`build_example`] with these features of the examples package.
fn build_example_with(name: &str, features: &[&str]) -> std::path::PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["build", "--workspace", "--exclude", "socketry-bench"])
        .args(["--example", name])
        .args(
            features
                .iter()
                .flat_map(|f| ["--features".to_owned(), format!("socketry-examples/{f}")]),
        )
        .arg("--message-format=json")
        .current_dir(node::tests_dir())
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("cargo could not be started");
    assert!(out.status.success(), "cargo build --example {name} failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == name)
        .find_map(|m| m["executable"].as_str().map(std::path::PathBuf::from))
        .unwrap_or_else(|| panic!("cargo built no executable for example {name}"))
}

/// A graceful shutdown under load (`SHUTDOWN_CLIENTS` clients, 1000 by default).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let heartbeat = Duration::from_secs(20);
    let server = soak_server::start(heartbeat, heartbeat, Duration::from_secs(2)).await;
    let limit = Duration::from_secs(180);
    node::run(
        "shutdown.test.mjs",
        &[("SOCKETRY_URL", server.url())],
        limit,
    )
    .await;
}

/// What the nodes of a mixed cluster share.
#[derive(Clone, Copy)]
enum Topology {
    /// One `redis-server`, the namespaces spread over this many streams, on sharded channels
    /// or not.
    Single { streams: u32, sharded: bool },
    /// A Redis Cluster of three masters, three streams (on different masters), sharded
    /// channels or not.
    Cluster { sharded: bool },
}

/// Two socketry nodes (A, B) and a Node node (N) on a fresh Redis, running `file`;
/// `REDIS_PORT` (one server only) lets it stop Redis.
async fn mixed_cluster(file: &str, topology: Topology, limit: u64) {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (server, cluster, streams, sharded) = match topology {
        Topology::Single { streams, sharded } => (
            Some(cluster_server::start_redis().await),
            None,
            streams,
            sharded,
        ),
        Topology::Cluster { sharded } => (
            None,
            Some(cluster_server::start_redis_cluster().await),
            3,
            sharded,
        ),
    };
    let redis = match (&server, &cluster) {
        (Some(server), _) => cluster_server::Redis::Single(server),
        (_, Some(cluster)) => cluster_server::Redis::Cluster(cluster),
        _ => unreachable!(),
    };
    let config = || {
        socketry::adapter::redis::RedisAdapterConfig::default()
            .stream_count(streams)
            .use_sharded_pub_sub(sharded)
    };
    let a = cluster_server::start_socketry_with("A", redis, config()).await;
    let b = cluster_server::start_socketry_with("B", redis, config()).await;
    let n = cluster_server::start_node_with("N", redis, streams, sharded).await;
    let mut env = vec![
        ("SOCKETRY_URL", a.url()),
        ("SOCKETRY_URL_B", b.url()),
        ("NODE_URL", n.url.clone()),
    ];
    if let Some(server) = &server {
        env.push(("REDIS_PORT", server.port.to_string()));
    }
    if sharded {
        env.push(("SHARDED", "1".to_owned()));
    }
    node::run(file, &env, Duration::from_secs(limit)).await;
}

const ONE_STREAM: Topology = Topology::Single {
    streams: 1,
    sharded: false,
};

/// The mixed cluster: two socketry nodes and a Node node on one `redis-server`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster() {
    mixed_cluster("cluster.test.mjs", ONE_STREAM, 240).await;
}

/// The mixed cluster with its namespaces spread over three streams, by the package's hash
/// (both kinds of node must pick the same stream for `/`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_three_streams() {
    let topology = Topology::Single {
        streams: 3,
        sharded: false,
    };
    mixed_cluster("cluster.test.mjs", topology, 240).await;
}

/// The mixed cluster on sharded channels (`useShardedPubSub`) of one `redis-server`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_sharded() {
    let topology = Topology::Single {
        streams: 1,
        sharded: true,
    };
    mixed_cluster("cluster.test.mjs", topology, 240).await;
}

/// The mixed cluster on a Redis Cluster of three masters, on sharded channels.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_on_redis_cluster() {
    mixed_cluster("cluster.test.mjs", Topology::Cluster { sharded: true }, 240).await;
}

/// The mixed cluster on a Redis Cluster of three masters, on classic channels (each
/// message reaches every Redis node).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_on_redis_cluster_classic() {
    mixed_cluster(
        "cluster.test.mjs",
        Topology::Cluster { sharded: false },
        240,
    )
    .await;
}

/// The mixed cluster while its `redis-server` stops and starts again (the JS side does both).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_outage() {
    mixed_cluster("cluster-outage.test.mjs", ONE_STREAM, 120).await;
}
