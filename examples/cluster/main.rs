//! Two socketry nodes of one cluster on Redis, in one process for the demo: ports `PORT` and
//! `PORT + 1` (default 3000), Redis at `REDIS_URL` (default `redis://127.0.0.1:6379`), or a
//! Redis Cluster at `REDIS_CLUSTER` (its nodes' URLs, comma-separated; sharded pub/sub).
//!
//! ```sh
//! redis-server --port 6379 &
//! cargo run --example cluster --features redis
//! ```
//!
//! Connect socket.io clients to either port: every `chat` message reaches the clients of both
//! nodes (and of any Node node running `@socket.io/redis-streams-adapter` on the same Redis),
//! `who` answers with every socket of the cluster, and each node answers the other's
//! server-side `ping`. In production each node is its own process behind a load balancer; the
//! program is the same.

use socketry::adapter::redis::{RedisAdapter, RedisAdapterConfig};
use socketry::{ConnectionStateRecovery, Server, ServerConfig, Socket};
use std::time::Duration;

/// Where Redis is: `REDIS_CLUSTER`'s nodes, or `REDIS_URL`.
enum Redis {
    Single(String),
    Cluster(Vec<String>),
}

async fn connect(redis: &Redis) -> std::io::Result<RedisAdapter> {
    let connected = match redis {
        Redis::Single(url) => RedisAdapter::connect(url, RedisAdapterConfig::default()).await,
        Redis::Cluster(nodes) => {
            let config = RedisAdapterConfig::default().use_sharded_pub_sub(true);
            RedisAdapter::connect_cluster(nodes.iter().map(String::as_str), config).await
        }
    };
    connected.map_err(|e| {
        let at = match redis {
            Redis::Single(url) => url.clone(),
            Redis::Cluster(nodes) => nodes.join(","),
        };
        std::io::Error::other(format!("redis at {at}: {e}"))
    })
}

async fn node(name: &'static str, port: u16, redis: &Redis) -> std::io::Result<Server> {
    let redis = connect(redis).await?;
    let io = Server::new(
        ServerConfig::default()
            .adapter(redis.factory())
            .connection_state_recovery(ConnectionStateRecovery::default()),
    );
    io.of("/")
        .on_server_side_emit("ping", move |_, ack| async move {
            if let Some(ack) = ack {
                let _ = ack.send(&format!("pong from {name}"));
            }
        });
    let io2 = io.clone();
    io.of("/").on_connection(move |socket: Socket| {
        let io = io2.clone();
        async move {
            tracing::info!(node = name, id = %socket.id(), recovered = socket.recovered(), "connected");
            socket.join("lobby");
            socket.on("chat", move |socket, args, _| async move {
                let text: String = args.get(0).unwrap_or_default();
                let _ = socket.to("lobby").emit("chat", &(socket.id().as_str(), name, text));
            });
            socket.on("who", move |_, _, ack| {
                let io = io.clone();
                async move {
                    let ids: Vec<String> = io
                        .to("lobby")
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
        }
    });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("port {port}: {e}")))?;
    tracing::info!(node = name, "listening on http://127.0.0.1:{port}");
    let app = io.router();
    let serving = io.clone();
    tokio::spawn(async move {
        if let Err(e) = serving
            .serve_app(listener, app, socketry::shutdown_signal())
            .await
        {
            tracing::error!(node = name, error = %e, "server stopped");
        }
    });
    Ok(io)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let port: u16 = match std::env::var("PORT") {
        Ok(p) => p
            .parse()
            .map_err(|_| std::io::Error::other(format!("PORT={p:?} is not a port number")))?,
        Err(_) => 3000,
    };
    let redis = match std::env::var("REDIS_CLUSTER") {
        Ok(nodes) => Redis::Cluster(nodes.split(',').map(str::to_owned).collect()),
        Err(_) => Redis::Single(
            std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into()),
        ),
    };
    let a = node("node-1", port, &redis).await?;
    let _b = node("node-2", port + 1, &redis).await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    match a.of("/").server_side_emit_with_ack("ping", &()).await {
        Ok(answers) => {
            let answers: Vec<String> = answers.iter().filter_map(|a| a.get(0).ok()).collect();
            tracing::info!(?answers, "node-1 asked the other servers");
        }
        Err(e) => tracing::warn!(error = %e, "no answer from the other servers"),
    }
    socketry::shutdown_signal().await;
    Ok(())
}
