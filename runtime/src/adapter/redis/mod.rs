//! The Redis adapter (feature `redis`): socketry nodes and Node nodes running
//! `@socket.io/redis-streams-adapter` 0.3 share one cluster on one Redis.
//!
//! It speaks that package's protocol message for message: broadcasts, sockets join/leave and
//! disconnections are entries of a Redis stream (`XADD <stream> MAXLEN ~ <max_len> * uid .. nsp
//! .. type .. data ..`, read with `XREAD BLOCK` from `$`); broadcasts with acknowledgements,
//! fetches and server-side emits are MessagePack on pub/sub (`<prefix>#<nsp>#`, answers on
//! `<prefix>#<nsp>#<uid>#`); the server count is `PUBSUB NUMSUB <prefix>#<nsp>#`, which counts
//! this node because it subscribes there.
//!
//! ```no_run
//! use socketry::adapter::redis::{RedisAdapter, RedisAdapterConfig};
//! use socketry::{Server, ServerConfig};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let redis = RedisAdapter::connect("redis://127.0.0.1:6379", RedisAdapterConfig::default()).await?;
//! let io = Server::new(ServerConfig::default().adapter(redis.factory()));
//! io.serve("0.0.0.0:3000").await?;
//! # Ok(())
//! # }
//! ```
//!
//! When Redis goes away, each node goes on serving its own clients (local broadcasts do not
//! wait for Redis), logs the failure, and reconnects with backoff; the stream is read on from
//! the last entry seen.

mod config;
mod connection;
mod driver;
mod subscriber;

pub use config::RedisAdapterConfig;
pub use driver::RedisAdapter;
