//! The subscriber connection: classic pub/sub on one server (RESP2 is enough), or a RESP3
//! connection whose pushes carry the messages (sharded channels, and any channel on a
//! cluster); either way one [`Sink`] to subscribe with and one [`Messages`] to read.

use super::connection::{Connection, Target};
use futures_util::StreamExt;
use redis::aio::{PubSubSink, PubSubStream};
use redis::{PushInfo, PushKind, RedisResult, Value};
use tokio::sync::mpsc::UnboundedReceiver;

/// Where new subscriptions are sent; cheap to clone.
#[derive(Clone)]
pub(crate) enum Sink {
    PubSub(PubSubSink),
    Push(Connection),
}

/// The messages of the subscribed channels, until the connection is lost.
pub(crate) enum Messages {
    PubSub(PubSubStream),
    Push(UnboundedReceiver<PushInfo>),
}

/// Opens a subscriber connection to `target`.
pub(crate) async fn connect(target: &Target, sharded: bool) -> RedisResult<(Sink, Messages)> {
    match target {
        Target::Single(client) if !sharded => {
            let (sink, stream) = client.get_async_pubsub().await?.split();
            Ok((Sink::PubSub(sink), Messages::PubSub(stream)))
        }
        _ => {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            let conn = target.pushing(tx).await?;
            Ok((Sink::Push(conn), Messages::Push(rx)))
        }
    }
}

impl Sink {
    /// Subscribes to `channels` (with `SSUBSCRIBE` when `sharded`).
    pub(crate) async fn subscribe(
        &mut self,
        channels: &[String],
        sharded: bool,
    ) -> RedisResult<()> {
        match self {
            Sink::PubSub(sink) => sink.subscribe(channels).await,
            Sink::Push(conn) => {
                for channel in channels {
                    conn.subscribe(channel, sharded).await?;
                }
                Ok(())
            }
        }
    }
}

impl Sink {
    /// Leaves `channels` (with `SUNSUBSCRIBE` when `sharded`).
    pub(crate) async fn unsubscribe(
        &mut self,
        channels: &[String],
        sharded: bool,
    ) -> RedisResult<()> {
        match self {
            Sink::PubSub(sink) => sink.unsubscribe(channels).await,
            Sink::Push(conn) => {
                for channel in channels {
                    conn.unsubscribe(channel, sharded).await?;
                }
                Ok(())
            }
        }
    }
}

impl Messages {
    /// The next message's channel and payload; `None` once the connection is lost.
    pub(crate) async fn next(&mut self) -> Option<(String, Vec<u8>)> {
        match self {
            Messages::PubSub(stream) => {
                let message = stream.next().await?;
                Some((
                    message.get_channel_name().to_owned(),
                    message.get_payload_bytes().to_vec(),
                ))
            }
            Messages::Push(pushes) => loop {
                let push = pushes.recv().await?;
                match push.kind {
                    PushKind::Message | PushKind::SMessage => {
                        if let Some(message) = channel_message(push.data) {
                            return Some(message);
                        }
                    }
                    PushKind::Disconnection => return None,
                    // Confirmations of (re)subscriptions, and pushes of other kinds.
                    _ => {}
                }
            },
        }
    }
}

/// `[channel, payload]` of a message push.
fn channel_message(data: Vec<Value>) -> Option<(String, Vec<u8>)> {
    let mut data = data.into_iter();
    let channel = match data.next()? {
        Value::BulkString(b) => String::from_utf8(b).ok()?,
        Value::SimpleString(s) => s,
        _ => return None,
    };
    match data.next()? {
        Value::BulkString(payload) => Some((channel, payload)),
        _ => None,
    }
}
