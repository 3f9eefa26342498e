//! What a [`ClusterAdapter`] does with the other nodes' messages: every request type answered
//! (a node that ignores one makes the requester wait for its timeout), the rest applied to
//! this node's sockets.

use super::message::{ClusterMessage, MessageType, decode_options};
use super::node::{Answer, ClusterAdapter, object};
use super::packet_wire::packet_from_value;
use super::socket_wire::{socket_from_value, socket_to_value};
use crate::adapter::{Adapter, ServerSideReply};
use crate::protocol::Str;
use crate::protocol::socketio::{Args, EncodedPacket, Value};
use std::time::Duration;

/// How long a broadcast with acknowledgements waits when its requester gave no timeout.
const DEFAULT_ACK_TIMEOUT: Duration = Duration::from_secs(5);

impl ClusterAdapter {
    /// A message another node published: from the ordered log (with its `offset` there) or
    /// ephemeral. This node's own messages and other namespaces' are ignored.
    pub fn on_message(&self, offset: Option<&str>, message: ClusterMessage) {
        if message.uid == self.shared.uid || message.nsp != self.shared.nsp.name() {
            return;
        }
        let data = &message.data;
        let (opts, timeout) = decode_options(&data["opts"]);
        let request_id = data["requestId"].as_str();
        match (message.kind, request_id) {
            (MessageType::Broadcast, None) => {
                let Some(mut packet) = self.event(&data["packet"], None) else {
                    return tracing::debug!(nsp = %self.name(), "a broadcast without an event");
                };
                if let (true, Some(offset)) = (self.shared.recovery, offset) {
                    packet = packet.with_offset(offset);
                }
                super::recovery::deliver_logged(&self.shared, offset, &packet, &opts);
            }
            (MessageType::Broadcast, Some(request_id)) => {
                let id = self.shared.nsp.next_ack_id();
                let Some(packet) = self.event(&data["packet"], Some(id)) else {
                    return;
                };
                let timeout = timeout.map_or(DEFAULT_ACK_TIMEOUT, Duration::from_millis);
                let targets = self.shared.local.local_sockets(&opts);
                let waiting = self
                    .shared
                    .nsp
                    .deliver_with_ack(&targets, &packet, id, opts.flags, timeout);
                let count = object(vec![
                    ("requestId", Value::from(request_id)),
                    ("clientCount", Value::Number((waiting.len() as u64).into())),
                ]);
                self.respond(&message.uid, MessageType::BroadcastClientCount, count);
                for (_, answer) in waiting {
                    let (me, to, request_id) =
                        (self.clone(), message.uid.clone(), request_id.to_owned());
                    tokio::spawn(async move {
                        // A client that did not answer is the requester's timeout to count.
                        if let Ok(args) = answer.await {
                            let ack = object(vec![
                                ("requestId", Value::from(request_id.as_str())),
                                ("packet", args.iter().next().unwrap_or_default()),
                            ]);
                            me.respond(&to, MessageType::BroadcastAck, ack);
                        }
                    });
                }
            }
            (MessageType::SocketsJoin, _) => {
                self.shared.local.add_sockets(&opts, &rooms(&data["rooms"]));
            }
            (MessageType::SocketsLeave, _) => {
                self.shared.local.del_sockets(&opts, &rooms(&data["rooms"]));
            }
            (MessageType::DisconnectSockets, _) => {
                let close = data["close"].as_bool().unwrap_or(false);
                self.shared.local.disconnect_sockets(&opts, close);
            }
            (MessageType::FetchSockets, Some(request_id)) => {
                let sockets = self
                    .shared
                    .nsp
                    .describe(&self.shared.local.local_sockets(&opts));
                let answer = object(vec![
                    ("requestId", Value::from(request_id)),
                    (
                        "sockets",
                        Value::Array(sockets.iter().map(socket_to_value).collect()),
                    ),
                ]);
                self.respond(&message.uid, MessageType::FetchSocketsResponse, answer);
            }
            (MessageType::ServerSideEmit, request_id) => {
                let Some(values) = data["packet"].as_array() else {
                    return;
                };
                let args: Args = values.iter().cloned().collect();
                let reply = request_id.map(|request_id| {
                    let (me, to, request_id) =
                        (self.clone(), message.uid.clone(), request_id.to_owned());
                    Box::new(move |answer: Args| {
                        let data = object(vec![
                            ("requestId", Value::from(request_id.as_str())),
                            ("packet", answer.iter().next().unwrap_or_default()),
                        ]);
                        me.respond(&to, MessageType::ServerSideEmitResponse, data);
                    }) as ServerSideReply
                });
                self.shared.nsp.on_server_side_emit(args, reply);
            }
            // Responses travel on this node's own channel; heartbeats belong to adapters with
            // heartbeats, which this one does not need.
            _ => {}
        }
    }

    /// An answer to one of this node's requests.
    pub fn on_response(&self, message: ClusterMessage) {
        if message.nsp != self.shared.nsp.name() {
            return;
        }
        let data = message.data;
        let Some(request_id) = data["requestId"].as_str() else {
            return;
        };
        let answer = match message.kind {
            MessageType::BroadcastClientCount => {
                Answer::ClientCount(data["clientCount"].as_u64().unwrap_or(0) as usize)
            }
            MessageType::BroadcastAck | MessageType::ServerSideEmitResponse => {
                Answer::Value(data["packet"].clone())
            }
            MessageType::FetchSocketsResponse => Answer::Sockets(
                data["sockets"]
                    .as_array()
                    .map(|s| s.iter().filter_map(socket_from_value).collect())
                    .unwrap_or_default(),
            ),
            _ => return,
        };
        let waiting = self
            .shared
            .requests
            .lock()
            .expect("requests lock")
            .get(request_id)
            .cloned();
        if let Some(waiting) = waiting {
            let _ = waiting.send(answer);
        }
    }

    /// The event a message's packet describes, for this namespace, with ack id `id`.
    fn event(&self, packet: &Value, id: Option<u64>) -> Option<EncodedPacket> {
        packet_from_value(self.shared.nsp.name(), packet, id)
    }
}

fn rooms(value: &Value) -> Vec<Str> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).map(Str::from).collect())
        .unwrap_or_default()
}
