//! [`RedisAdapterConfig`]: the options of `@socket.io/redis-streams-adapter`, with its
//! defaults.

use std::time::Duration;

/// The Redis adapter's options, named and defaulted as the streams adapter's
/// (`streamName`, `streamCount`, `channelPrefix`, `useShardedPubSub`, `maxLen`, `readCount`,
/// `blockTimeInMs`, `sessionKeyPrefix`), plus how long a request waits for the other nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedisAdapterConfig {
    /// The stream's key, or the prefix of the streams' keys when there are several. Default
    /// `socket.io`.
    pub stream_name: String,
    /// How many streams the namespaces are spread over (by the package's hash of the
    /// namespace). Default 1.
    pub stream_count: u32,
    /// The prefix of the pub/sub channels. Default `socket.io`.
    pub channel_prefix: String,
    /// Whether the channels are sharded (`SSUBSCRIBE`, `SPUBLISH`, `PUBSUB SHARDNUMSUB`;
    /// Redis 7): on a Redis Cluster, each channel's messages then stay on the shard that
    /// holds it instead of reaching every node. Every node of the cluster, socketry or Node,
    /// must agree. Default `false`.
    pub use_sharded_pub_sub: bool,
    /// The approximate most entries the stream keeps (`XADD … MAXLEN ~`). Default 10 000.
    pub max_len: usize,
    /// How many entries one `XREAD` takes. Default 100.
    pub read_count: usize,
    /// How long one `XREAD` blocks. Default 5 s.
    pub block_time: Duration,
    /// The prefix of the keys recovery sessions are stored under. Default `sio:session:`.
    pub session_key_prefix: String,
    /// How long a fetch or a Redis command waits. Default 5 s (the package's fixed timeout).
    pub request_timeout: Duration,
}

impl Default for RedisAdapterConfig {
    fn default() -> Self {
        RedisAdapterConfig {
            stream_name: "socket.io".into(),
            stream_count: 1,
            channel_prefix: "socket.io".into(),
            use_sharded_pub_sub: false,
            max_len: 10_000,
            read_count: 100,
            block_time: Duration::from_secs(5),
            session_key_prefix: "sio:session:".into(),
            request_timeout: Duration::from_secs(5),
        }
    }
}

impl RedisAdapterConfig {
    /// Sets [`stream_name`](Self::stream_name).
    pub fn stream_name(mut self, name: impl Into<String>) -> Self {
        self.stream_name = name.into();
        self
    }
    /// Sets [`stream_count`](Self::stream_count) (at least 1).
    pub fn stream_count(mut self, count: u32) -> Self {
        self.stream_count = count.max(1);
        self
    }
    /// Sets [`channel_prefix`](Self::channel_prefix).
    pub fn channel_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.channel_prefix = prefix.into();
        self
    }
    /// Sets [`use_sharded_pub_sub`](Self::use_sharded_pub_sub).
    pub fn use_sharded_pub_sub(mut self, sharded: bool) -> Self {
        self.use_sharded_pub_sub = sharded;
        self
    }
    /// Sets [`max_len`](Self::max_len).
    pub fn max_len(mut self, n: usize) -> Self {
        self.max_len = n;
        self
    }
    /// Sets [`read_count`](Self::read_count) (at least 1).
    pub fn read_count(mut self, n: usize) -> Self {
        self.read_count = n.max(1);
        self
    }
    /// Sets [`block_time`](Self::block_time).
    pub fn block_time(mut self, d: Duration) -> Self {
        self.block_time = d;
        self
    }
    /// Sets [`session_key_prefix`](Self::session_key_prefix).
    pub fn session_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.session_key_prefix = prefix.into();
        self
    }
    /// Sets [`request_timeout`](Self::request_timeout).
    pub fn request_timeout(mut self, d: Duration) -> Self {
        self.request_timeout = d;
        self
    }

    pub(crate) fn public_channel(&self, nsp: &str) -> String {
        format!("{}#{nsp}#", self.channel_prefix)
    }

    pub(crate) fn response_channel(&self, nsp: &str, uid: &str) -> String {
        format!("{}#{nsp}#{uid}#", self.channel_prefix)
    }
}
