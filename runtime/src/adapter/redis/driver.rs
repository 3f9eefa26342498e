//! [`RedisAdapter`]: the connections to Redis one server shares between its namespaces, and
//! the [`ClusterTransport`] each namespace's [`ClusterAdapter`] sends through.
//!
//! One connection sends commands (reconnecting by itself), one reads each stream with
//! `XREAD BLOCK` (a connection of its own, without response timeout, as the block outlasts
//! any), one holds the subscriptions. The readers and the subscriber reconnect with backoff
//! when Redis goes away, and subscribe again to every channel.

use super::RedisAdapterConfig;
use super::connection::{Connection, Target};
use super::subscriber::{self, Sink};
use crate::adapter::cluster::message::{ClusterMessage, MessageType, decode_data, encode_data};
use crate::adapter::cluster::packet_wire::{random_id, stream_for};
use crate::adapter::cluster::{
    ClusterAdapter, ClusterTransport, TransportError, WeakClusterAdapter,
};
use crate::adapter::{Adapter, BoxFuture, LocalNamespace};
use crate::protocol::msgpack;
use crate::protocol::socketio::Value;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

/// A connection to Redis for the adapters of one server's namespaces; cheap to clone.
#[derive(Clone)]
pub struct RedisAdapter {
    driver: Arc<Driver>,
}

impl fmt::Debug for RedisAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisAdapter")
            .field("config", &self.driver.config)
            .finish_non_exhaustive()
    }
}

/// Where a subscribed channel's messages go.
struct Route {
    adapter: WeakClusterAdapter,
    /// The node's own channel, where answers to its requests arrive.
    responses: bool,
}

struct Driver {
    config: RedisAdapterConfig,
    target: Target,
    commands: Connection,
    /// Subscribed channel → its namespace's adapter; the sink of the subscriber connection
    /// now up (`None` while it reconnects), changed under the same lock.
    routes: RwLock<(HashMap<String, Route>, Option<Sink>)>,
    /// Stream → namespace → its adapter.
    streams: RwLock<HashMap<String, HashMap<String, WeakClusterAdapter>>>,
    /// Whether the subscriber connection is up: while it is not, Redis is taken to be away
    /// and commands fail at once rather than each waiting for its timeout.
    connected: std::sync::atomic::AtomicBool,
    /// The last failure seen, for [`RedisAdapter::last_error`].
    last_error: std::sync::Mutex<Option<String>>,
}

impl RedisAdapter {
    /// Connects to Redis at `url` (`redis://host:port/db`); fails when it cannot be reached
    /// now. Needs a tokio runtime.
    pub async fn connect(
        url: &str,
        config: RedisAdapterConfig,
    ) -> Result<RedisAdapter, redis::RedisError> {
        Self::with_client(redis::Client::open(url)?, config).await
    }

    /// [`connect`](Self::connect) with a client of your own.
    pub async fn with_client(
        client: redis::Client,
        config: RedisAdapterConfig,
    ) -> Result<RedisAdapter, redis::RedisError> {
        Self::open(Target::Single(client), config).await
    }

    /// Connects to a Redis Cluster, discovered from any of `nodes` (`redis://host:port`);
    /// fails when none can be reached now. Each command goes to the node that holds its key
    /// (each stream lives on one node); with
    /// [`use_sharded_pub_sub`](RedisAdapterConfig::use_sharded_pub_sub), each channel's
    /// messages stay on its shard. The server count sums every node's subscribers, as Node
    /// nodes count them.
    ///
    /// ```no_run
    /// use socketry::adapter::redis::{RedisAdapter, RedisAdapterConfig};
    ///
    /// # async fn run() -> Result<(), redis::RedisError> {
    /// let nodes = ["redis://10.0.0.1:7000", "redis://10.0.0.2:7000"];
    /// let config = RedisAdapterConfig::default().use_sharded_pub_sub(true);
    /// let redis = RedisAdapter::connect_cluster(nodes, config).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect_cluster<T: redis::IntoConnectionInfo>(
        nodes: impl IntoIterator<Item = T>,
        config: RedisAdapterConfig,
    ) -> Result<RedisAdapter, redis::RedisError> {
        let nodes = nodes
            .into_iter()
            .map(T::into_connection_info)
            .collect::<Result<Vec<_>, _>>()?;
        Self::open(Target::Cluster(nodes), config).await
    }

    async fn open(
        target: Target,
        config: RedisAdapterConfig,
    ) -> Result<RedisAdapter, redis::RedisError> {
        let commands = target.commands(config.request_timeout).await?;
        let driver = Arc::new(Driver {
            config,
            target,
            commands,
            routes: RwLock::new((HashMap::new(), None)),
            streams: RwLock::default(),
            connected: std::sync::atomic::AtomicBool::new(false),
            last_error: std::sync::Mutex::default(),
        });
        let (ready_tx, ready) = tokio::sync::oneshot::channel();
        tokio::spawn(subscribe(Arc::downgrade(&driver), Some(ready_tx)));
        // Subscribed before the first namespace, so that it is counted from the start.
        let _ = tokio::time::timeout(driver.config.request_timeout, ready).await;
        Ok(RedisAdapter { driver })
    }

    /// The options in force.
    pub fn config(&self) -> &RedisAdapterConfig {
        &self.driver.config
    }

    /// Whether Redis is reachable now (the subscriber connection is up). While it is not,
    /// this node serves its own clients alone: local broadcasts go on, cluster messages are
    /// dropped (and logged), requests to other nodes answer at once with what this node has.
    pub fn is_connected(&self) -> bool {
        self.driver
            .connected
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// The last failure talking to Redis, if any since the start.
    pub fn last_error(&self) -> Option<String> {
        self.driver.last_error.lock().expect("error lock").clone()
    }

    /// What [`ServerConfig::adapter`](crate::ServerConfig::adapter) takes: a cluster adapter
    /// on this connection for each namespace.
    pub fn factory(
        &self,
    ) -> impl Fn(Arc<dyn LocalNamespace>) -> Arc<dyn Adapter> + Send + Sync + 'static {
        let driver = self.driver.clone();
        move |nsp| Arc::new(driver.adapter(nsp))
    }
}

impl Driver {
    fn adapter(self: &Arc<Self>, nsp: Arc<dyn LocalNamespace>) -> ClusterAdapter {
        let name = nsp.name().to_owned();
        let uid = random_id();
        let stream = stream_for(&name, &self.config.stream_name, self.config.stream_count);
        let transport = Arc::new(RedisTransport {
            driver: self.clone(),
            stream: stream.clone(),
            nsp: name.clone(),
            uid: uid.clone(),
        });
        let adapter =
            ClusterAdapter::with_uid(uid.clone(), nsp, transport, self.config.request_timeout);
        let new_stream = {
            let mut streams = self.streams.write().expect("streams lock");
            let new_stream = !streams.contains_key(&stream);
            streams
                .entry(stream.clone())
                .or_default()
                .insert(name.clone(), adapter.downgrade());
            new_stream
        };
        if new_stream {
            tokio::spawn(read_stream(Arc::downgrade(self), stream));
        }
        let channels = [
            (self.config.public_channel(&name), false),
            (self.config.response_channel(&name, &uid), true),
        ];
        let sink = {
            let mut routes = self.routes.write().expect("routes lock");
            for (channel, responses) in &channels {
                routes.0.insert(
                    channel.clone(),
                    Route {
                        adapter: adapter.downgrade(),
                        responses: *responses,
                    },
                );
            }
            routes.1.clone()
        };
        if let Some(mut sink) = sink {
            let channels: Vec<String> = channels.into_iter().map(|(c, _)| c).collect();
            let sharded = self.config.use_sharded_pub_sub;
            tokio::spawn(async move {
                if let Err(e) = sink.subscribe(&channels, sharded).await {
                    tracing::warn!(error = %e, "redis: could not subscribe to a namespace's channels");
                }
            });
        }
        adapter
    }

    fn route(&self, channel: &str) -> Option<(ClusterAdapter, bool)> {
        let routes = self.routes.read().expect("routes lock");
        let route = routes.0.get(channel)?;
        Some((route.adapter.upgrade()?, route.responses))
    }
}

/// A namespace's side of the connection.
struct RedisTransport {
    driver: Arc<Driver>,
    stream: String,
    nsp: String,
    uid: String,
}

/// A namespace's adapter gone (its namespace removed): its routes go, and its channels are
/// left, unless a new adapter of the same namespace took them over meanwhile.
impl Drop for RedisTransport {
    fn drop(&mut self) {
        let driver = &self.driver;
        if let Some(namespaces) = driver
            .streams
            .write()
            .expect("streams lock")
            .get_mut(&self.stream)
            && namespaces
                .get(&self.nsp)
                .is_some_and(|a| a.upgrade().is_none())
        {
            namespaces.remove(&self.nsp);
        }
        let channels = [
            driver.config.public_channel(&self.nsp),
            driver.config.response_channel(&self.nsp, &self.uid),
        ];
        let (left, sink) = {
            let mut routes = driver.routes.write().expect("routes lock");
            let left: Vec<String> = channels
                .into_iter()
                .filter(|c| {
                    let gone = routes
                        .0
                        .get(c)
                        .is_some_and(|r| r.adapter.upgrade().is_none());
                    if gone {
                        routes.0.remove(c);
                    }
                    gone
                })
                .collect();
            (left, routes.1.clone())
        };
        if let (Some(mut sink), false, Ok(rt)) =
            (sink, left.is_empty(), tokio::runtime::Handle::try_current())
        {
            let (driver, sharded) = (driver.clone(), driver.config.use_sharded_pub_sub);
            rt.spawn(async move {
                if let Err(e) = sink.unsubscribe(&left, sharded).await {
                    tracing::debug!(error = %e, "redis: could not leave a namespace's channels");
                }
                // The namespace may be back already, its subscription sent before this.
                let back: Vec<String> = {
                    let routes = driver.routes.read().expect("routes lock");
                    left.into_iter().filter(|c| routes.0.contains_key(c)).collect()
                };
                if !back.is_empty()
                    && let Err(e) = sink.subscribe(&back, sharded).await
                {
                    tracing::warn!(error = %e, "redis: could not subscribe to a namespace's channels");
                }
            });
        }
    }
}

fn failed(e: redis::RedisError) -> TransportError {
    TransportError(e.to_string())
}

impl Driver {
    fn failure(&self, error: &str) {
        *self.last_error.lock().expect("error lock") = Some(error.to_owned());
    }

    /// Runs a command unless Redis is known to be away, within the request timeout.
    fn run<T: redis::FromRedisValue + Send + 'static>(
        self: &Arc<Self>,
        cmd: redis::Cmd,
    ) -> BoxFuture<Result<T, TransportError>> {
        let driver = self.clone();
        Box::pin(async move {
            if !driver.connected.load(std::sync::atomic::Ordering::Acquire) {
                return Err(TransportError("redis is unreachable".into()));
            }
            let mut conn = driver.commands.clone();
            let reply =
                tokio::time::timeout(driver.config.request_timeout, cmd.query_async(&mut conn))
                    .await;
            let result = match reply {
                Ok(reply) => reply.map_err(failed),
                Err(_) => Err(TransportError("redis did not answer in time".into())),
            };
            if let Err(e) = &result {
                driver.failure(&e.0);
            }
            result
        })
    }
}

impl ClusterTransport for RedisTransport {
    fn publish(
        &self,
        message: ClusterMessage,
    ) -> BoxFuture<Result<Option<String>, TransportError>> {
        let mut cmd = redis::cmd("XADD");
        cmd.arg(&self.stream)
            .arg("MAXLEN")
            .arg("~")
            .arg(self.driver.config.max_len)
            .arg("*")
            .arg("uid")
            .arg(&message.uid)
            .arg("nsp")
            .arg(&message.nsp)
            .arg("type")
            .arg(message.kind.number().to_string());
        if !message.data.is_null() {
            cmd.arg("data").arg(encode_data(&message.data));
        }
        let id = self.driver.run::<String>(cmd);
        Box::pin(async move { id.await.map(Some) })
    }

    fn publish_ephemeral(&self, message: ClusterMessage) -> BoxFuture<Result<(), TransportError>> {
        let channel = self.driver.config.public_channel(&self.nsp);
        self.publish_to(channel, message)
    }

    fn publish_response(
        &self,
        uid: &str,
        message: ClusterMessage,
    ) -> BoxFuture<Result<(), TransportError>> {
        let channel = self.driver.config.response_channel(&self.nsp, uid);
        self.publish_to(channel, message)
    }

    fn server_count(&self) -> BoxFuture<Result<usize, TransportError>> {
        let mut cmd = redis::cmd("PUBSUB");
        let sharded = self.driver.config.use_sharded_pub_sub;
        cmd.arg(if sharded { "SHARDNUMSUB" } else { "NUMSUB" })
            .arg(self.driver.config.public_channel(&self.nsp));
        // A map on a cluster, the counts of every node summed.
        let counts = self.driver.run::<HashMap<String, usize>>(cmd);
        Box::pin(async move { Ok(counts.await?.into_values().sum()) })
    }

    fn persist_session(
        &self,
        pid: &str,
        session: Value,
        ttl: Duration,
    ) -> BoxFuture<Result<(), TransportError>> {
        use base64::Engine as _;
        let mut cmd = redis::cmd("SET");
        cmd.arg(format!("{}{pid}", self.driver.config.session_key_prefix))
            .arg(base64::engine::general_purpose::STANDARD.encode(msgpack::encode(&session)))
            .arg("PX")
            .arg(ttl.as_millis().max(1) as u64);
        self.driver.run::<()>(cmd)
    }

    fn take_session(&self, pid: &str) -> BoxFuture<Result<Option<Value>, TransportError>> {
        use base64::Engine as _;
        let key = format!("{}{pid}", self.driver.config.session_key_prefix);
        let driver = self.driver.clone();
        Box::pin(async move {
            if !driver.connected.load(std::sync::atomic::Ordering::Acquire) {
                return Err(TransportError("redis is unreachable".into()));
            }
            // MULTI GET DEL EXEC, as the streams adapter takes a session (GETDEL is Redis 6.2+).
            let mut conn = driver.commands.clone();
            let mut pipe = redis::pipe();
            pipe.atomic().get(&key).del(&key);
            let reply = tokio::time::timeout(
                driver.config.request_timeout,
                pipe.query_async::<(Option<String>, i64)>(&mut conn),
            )
            .await
            .map_err(|_| TransportError("redis did not answer in time".into()))?;
            let (stored, _) = reply.map_err(failed)?;
            let Some(stored) = stored else {
                return Ok(None);
            };
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(stored)
                .map_err(|_| TransportError("a stored session is not base64".into()))?;
            msgpack::decode(&bytes)
                .map(Some)
                .map_err(|e| TransportError(format!("a stored session: {e}")))
        })
    }

    fn read_log(
        &self,
        after: &str,
        count: usize,
    ) -> BoxFuture<Result<Vec<(String, ClusterMessage)>, TransportError>> {
        // Exclusive ranges need Redis 6.2: the next possible id instead, as the package does.
        let start = match after.split_once('-') {
            Some((ms, seq)) => format!("{ms}-{}", seq.parse::<u64>().unwrap_or(0) + 1),
            None => after.to_owned(),
        };
        let mut cmd = redis::cmd("XRANGE");
        cmd.arg(&self.stream)
            .arg(&start)
            .arg("+")
            .arg("COUNT")
            .arg(count);
        let reply = self.driver.run::<redis::streams::StreamRangeReply>(cmd);
        Box::pin(async move {
            Ok(reply
                .await?
                .ids
                .iter()
                .filter_map(|entry| Some((entry.id.clone(), entry_message(entry)?)))
                .collect())
        })
    }

    fn log_entry(&self, offset: &str) -> BoxFuture<Result<Option<ClusterMessage>, TransportError>> {
        let mut cmd = redis::cmd("XRANGE");
        cmd.arg(&self.stream).arg(offset).arg(offset);
        let reply = self.driver.run::<redis::streams::StreamRangeReply>(cmd);
        Box::pin(async move { Ok(reply.await?.ids.first().and_then(entry_message)) })
    }

    fn last_offset(&self) -> BoxFuture<Result<Option<String>, TransportError>> {
        let mut cmd = redis::cmd("XREVRANGE");
        cmd.arg(&self.stream).arg("+").arg("-").arg("COUNT").arg(1);
        let reply = self.driver.run::<redis::streams::StreamRangeReply>(cmd);
        Box::pin(async move { Ok(reply.await?.ids.first().map(|e| e.id.clone())) })
    }
}

impl RedisTransport {
    fn publish_to(
        &self,
        channel: String,
        message: ClusterMessage,
    ) -> BoxFuture<Result<(), TransportError>> {
        let sharded = self.driver.config.use_sharded_pub_sub;
        let mut cmd = redis::cmd(if sharded { "SPUBLISH" } else { "PUBLISH" });
        cmd.arg(&channel).arg(message.to_msgpack());
        let sent = self.driver.run::<usize>(cmd);
        Box::pin(async move { sent.await.map(|_| ()) })
    }
}

impl fmt::Debug for RedisTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTransport")
            .field("stream", &self.stream)
            .field("nsp", &self.nsp)
            .field("uid", &self.uid)
            .finish()
    }
}

/// A stream entry as a message (`uid`, `nsp`, `type`, and `data` when there is one).
fn entry_message(entry: &redis::streams::StreamId) -> Option<ClusterMessage> {
    let uid = field(entry, "uid")?;
    let nsp = field(entry, "nsp")?;
    let kind = field(entry, "type")
        .and_then(|t| t.parse().ok())
        .and_then(MessageType::from_number)?;
    let data = match field(entry, "data").map(|d| decode_data(&d)) {
        None => Default::default(),
        Some(Ok(data)) => data,
        Some(Err(e)) => {
            tracing::debug!(id = %entry.id, error = %e, "redis: an entry that does not decode");
            return None;
        }
    };
    Some(ClusterMessage::new(&uid, &nsp, kind, data))
}

/// Waits before the `attempt`-th reconnection: 100 ms doubling to 5 s.
async fn backoff(attempt: &mut u32) {
    let ms = (100u64 << (*attempt).min(6)).min(5_000);
    *attempt += 1;
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// Reads `stream` from its end for as long as the driver lives, handing each entry to its
/// namespace's adapter; after a lost connection, reads on from the last entry seen.
async fn read_stream(driver: Weak<Driver>, stream: String) {
    let mut last = "$".to_owned();
    let mut attempt = 0;
    loop {
        let Some(d) = driver.upgrade() else { return };
        let mut conn = match d.target.reader(d.config.block_time).await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(%stream, error = %e, "redis: the stream reader cannot connect; retrying");
                drop(d);
                backoff(&mut attempt).await;
                continue;
            }
        };
        let (count, block) = (d.config.read_count, d.config.block_time.as_millis() as u64);
        drop(d);
        loop {
            let reply: Result<Option<redis::streams::StreamReadReply>, _> = redis::cmd("XREAD")
                .arg("COUNT")
                .arg(count)
                .arg("BLOCK")
                .arg(block)
                .arg("STREAMS")
                .arg(&stream)
                .arg(&last)
                .query_async(&mut conn)
                .await;
            let Some(d) = driver.upgrade() else { return };
            match reply {
                Ok(reply) => {
                    attempt = 0;
                    for key in reply.map(|r| r.keys).unwrap_or_default() {
                        for entry in key.ids {
                            last = entry.id.clone();
                            dispatch_entry(&d, &stream, &entry);
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(%stream, error = %e, "redis: reading the stream failed; reconnecting");
                    break;
                }
            }
        }
        backoff(&mut attempt).await;
    }
}

fn field(entry: &redis::streams::StreamId, name: &str) -> Option<String> {
    entry.get(name)
}

fn dispatch_entry(driver: &Driver, stream: &str, entry: &redis::streams::StreamId) {
    let Some(message) = entry_message(entry) else {
        return;
    };
    let adapter = driver
        .streams
        .read()
        .expect("streams lock")
        .get(stream)
        .and_then(|n| n.get(&message.nsp))
        .and_then(WeakClusterAdapter::upgrade);
    if let Some(adapter) = adapter {
        adapter.on_message(Some(&entry.id), message);
    }
}

/// Holds the subscriptions for as long as the driver lives; after a lost connection,
/// reconnects and subscribes to every channel again. `ready` is told once the first
/// subscriber is up.
async fn subscribe(driver: Weak<Driver>, mut ready: Option<tokio::sync::oneshot::Sender<()>>) {
    let mut attempt = 0;
    loop {
        let Some(d) = driver.upgrade() else { return };
        let sharded = d.config.use_sharded_pub_sub;
        let (mut sink, mut messages) = match subscriber::connect(&d.target, sharded).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "redis: the subscriber cannot connect; retrying");
                d.failure(&e.to_string());
                drop(d);
                backoff(&mut attempt).await;
                continue;
            }
        };
        let channels: Vec<String> = {
            let mut routes = d.routes.write().expect("routes lock");
            routes.1 = Some(sink.clone());
            routes.0.keys().cloned().collect()
        };
        if !channels.is_empty()
            && let Err(e) = sink.subscribe(&channels, sharded).await
        {
            tracing::warn!(error = %e, "redis: subscribing again failed; reconnecting");
            d.routes.write().expect("routes lock").1 = None;
            drop(d);
            backoff(&mut attempt).await;
            continue;
        }
        d.connected
            .store(true, std::sync::atomic::Ordering::Release);
        if let Some(ready) = ready.take() {
            let _ = ready.send(());
        }
        attempt = 0;
        drop(d);
        while let Some((channel, payload)) = messages.next().await {
            let Some(d) = driver.upgrade() else { return };
            let Some((adapter, responses)) = d.route(&channel) else {
                continue;
            };
            match ClusterMessage::from_msgpack(&payload) {
                Ok(m) if responses => adapter.on_response(m),
                Ok(m) => adapter.on_message(None, m),
                Err(e) => tracing::debug!(error = %e, "redis: a message that does not decode"),
            }
        }
        let Some(d) = driver.upgrade() else { return };
        tracing::warn!("redis: the subscriber connection was lost; reconnecting");
        d.connected
            .store(false, std::sync::atomic::Ordering::Release);
        d.failure("the subscriber connection was lost");
        d.routes.write().expect("routes lock").1 = None;
        drop(d);
        backoff(&mut attempt).await;
    }
}
