//! [`ClusterTransport`]: how a [`ClusterAdapter`](super::ClusterAdapter)'s messages travel. A
//! cluster adapter is a transport: the protocol (who answers what, and when a request is
//! complete) is [`ClusterAdapter`](super::ClusterAdapter)'s.

use super::message::ClusterMessage;
use crate::adapter::BoxFuture;
use crate::protocol::socketio::Value;
use std::time::Duration;

/// Why a message could not be sent, or a count not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cluster transport: {0}")]
pub struct TransportError(pub String);

/// What carries the messages of a namespace's cluster adapter to the other nodes.
///
/// Messages of the ordered log (broadcasts, sockets join/leave, disconnections) reach every node
/// in the order they were published; ephemeral ones (requests) reach the nodes listening now;
/// responses reach one node. The transport hands what it receives to
/// [`ClusterAdapter::on_message`](super::ClusterAdapter::on_message) and
/// [`on_response`](super::ClusterAdapter::on_response).
pub trait ClusterTransport: Send + Sync + 'static {
    /// Appends `message` to the namespace's ordered log; resolves with its offset in the log,
    /// the same on every node (a Redis stream entry id), when the log has one.
    fn publish(&self, message: ClusterMessage)
    -> BoxFuture<Result<Option<String>, TransportError>>;
    /// Sends `message` to every node listening to the namespace now.
    fn publish_ephemeral(&self, message: ClusterMessage) -> BoxFuture<Result<(), TransportError>>;
    /// Sends `message` to the node whose adapter is `uid`.
    fn publish_response(
        &self,
        uid: &str,
        message: ClusterMessage,
    ) -> BoxFuture<Result<(), TransportError>>;
    /// How many nodes listen to the namespace, this one included.
    fn server_count(&self) -> BoxFuture<Result<usize, TransportError>>;

    /// Keeps a recovery session (its serialized form) under its private id `pid` for `ttl`.
    fn persist_session(
        &self,
        _pid: &str,
        _session: Value,
        _ttl: Duration,
    ) -> BoxFuture<Result<(), TransportError>> {
        unsupported()
    }
    /// Takes the session kept under `pid` (it is given once).
    fn take_session(&self, _pid: &str) -> BoxFuture<Result<Option<Value>, TransportError>> {
        unsupported()
    }
    /// The log's entries after offset `after` (exclusive), oldest first, at most `count`.
    fn read_log(
        &self,
        _after: &str,
        _count: usize,
    ) -> BoxFuture<Result<Vec<(String, ClusterMessage)>, TransportError>> {
        unsupported()
    }
    /// The log's entry at `offset`, if it is still kept.
    fn log_entry(
        &self,
        _offset: &str,
    ) -> BoxFuture<Result<Option<ClusterMessage>, TransportError>> {
        unsupported()
    }
    /// The offset of the log's newest entry, if it has one.
    fn last_offset(&self) -> BoxFuture<Result<Option<String>, TransportError>> {
        unsupported()
    }
}

fn unsupported<T: Send + 'static>() -> BoxFuture<Result<T, TransportError>> {
    Box::pin(std::future::ready(Err(TransportError(
        "this transport keeps no recovery sessions".into(),
    ))))
}
