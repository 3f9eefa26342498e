//! Where Redis is ([`Target`]: one server, or a Redis Cluster) and the connections the
//! adapter opens to it, each kind behind one type ([`Connection`]) that runs commands.

use redis::aio::{
    ConnectionLike, ConnectionManager, ConnectionManagerConfig, MultiplexedConnection,
};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, ProtocolVersion, PushInfo, RedisFuture, RedisResult, Value};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// One Redis server, or the nodes a Redis Cluster is discovered from.
#[derive(Clone)]
pub(crate) enum Target {
    Single(redis::Client),
    Cluster(Vec<redis::ConnectionInfo>),
}

/// A connection that runs commands.
#[derive(Clone)]
pub(crate) enum Connection {
    /// Reconnects by itself: the one that sends the adapter's commands.
    Manager(ConnectionManager),
    Multiplexed(MultiplexedConnection),
    /// Routes each command to the node that holds its key; reconnects by itself.
    Cluster(ClusterConnection),
}

impl Target {
    /// The connection that sends commands, each answered within `timeout`.
    pub(crate) async fn commands(&self, timeout: Duration) -> RedisResult<Connection> {
        match self {
            Target::Single(client) => {
                let config = ConnectionManagerConfig::new()
                    .set_response_timeout(Some(timeout))
                    .set_connection_timeout(Some(timeout));
                let manager = client.get_connection_manager_with_config(config).await?;
                Ok(Connection::Manager(manager))
            }
            Target::Cluster(nodes) => {
                let client = ClusterClient::builder(nodes.clone())
                    .response_timeout(timeout)
                    .connection_timeout(timeout)
                    .build()?;
                Ok(Connection::Cluster(client.get_async_connection().await?))
            }
        }
    }

    /// A connection for `XREAD BLOCK`: its own, as the block holds it, and answered within
    /// `block` and a margin.
    pub(crate) async fn reader(&self, block: Duration) -> RedisResult<Connection> {
        match self {
            Target::Single(client) => {
                let config = redis::AsyncConnectionConfig::new().set_response_timeout(None);
                let conn = client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await?;
                Ok(Connection::Multiplexed(conn))
            }
            Target::Cluster(nodes) => {
                let client = ClusterClient::builder(nodes.clone())
                    .response_timeout(block + Duration::from_secs(10))
                    .build()?;
                Ok(Connection::Cluster(client.get_async_connection().await?))
            }
        }
    }

    /// A RESP3 connection whose pushes (messages of subscribed channels, and its loss) go to
    /// `pushes`: how sharded channels are subscribed to, and any channel on a cluster.
    pub(crate) async fn pushing(
        &self,
        pushes: UnboundedSender<PushInfo>,
    ) -> RedisResult<Connection> {
        match self {
            Target::Single(client) => {
                let info = client.get_connection_info().clone();
                let settings = info
                    .redis_settings()
                    .clone()
                    .set_protocol(ProtocolVersion::RESP3);
                let client = redis::Client::open(info.set_redis_settings(settings))?;
                let config = redis::AsyncConnectionConfig::new()
                    .set_response_timeout(None)
                    .set_push_sender(pushes);
                let conn = client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await?;
                Ok(Connection::Multiplexed(conn))
            }
            Target::Cluster(nodes) => {
                let client = ClusterClient::builder(nodes.clone())
                    .use_protocol(ProtocolVersion::RESP3)
                    .push_sender(pushes)
                    .build()?;
                Ok(Connection::Cluster(client.get_async_connection().await?))
            }
        }
    }
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Connection::Manager(c) => c.req_packed_command(cmd),
            Connection::Multiplexed(c) => c.req_packed_command(cmd),
            Connection::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Connection::Manager(c) => c.req_packed_commands(pipeline, offset, count),
            Connection::Multiplexed(c) => c.req_packed_commands(pipeline, offset, count),
            Connection::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Connection::Manager(c) => c.get_db(),
            Connection::Multiplexed(c) => c.get_db(),
            Connection::Cluster(c) => c.get_db(),
        }
    }
}

impl Connection {
    /// Subscribes to `channel` on a [`pushing`](Target::pushing) connection (`SSUBSCRIBE`
    /// when `sharded`); one channel per command, as sharded channels of one command must share
    /// a slot.
    pub(crate) async fn subscribe(&mut self, channel: &str, sharded: bool) -> RedisResult<()> {
        match (self, sharded) {
            (Connection::Cluster(c), true) => c.ssubscribe(channel).await,
            (Connection::Cluster(c), false) => c.subscribe(channel).await,
            (Connection::Multiplexed(c), false) => c.subscribe(channel).await,
            // The confirmation is the command's answer (a push that has a reply).
            (c, true) => redis::cmd("SSUBSCRIBE").arg(channel).query_async(c).await,
            (c, false) => redis::cmd("SUBSCRIBE").arg(channel).query_async(c).await,
        }
    }

    /// Leaves `channel` (with `SUNSUBSCRIBE` when `sharded`).
    pub(crate) async fn unsubscribe(&mut self, channel: &str, sharded: bool) -> RedisResult<()> {
        match (self, sharded) {
            (Connection::Cluster(c), true) => c.sunsubscribe(channel).await,
            (Connection::Cluster(c), false) => c.unsubscribe(channel).await,
            (Connection::Multiplexed(c), false) => c.unsubscribe(channel).await,
            (c, true) => redis::cmd("SUNSUBSCRIBE").arg(channel).query_async(c).await,
            (c, false) => redis::cmd("UNSUBSCRIBE").arg(channel).query_async(c).await,
        }
    }
}
