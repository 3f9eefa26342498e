//! [`LocalNamespace`]: the sockets of one namespace on this node, as its adapter reaches them.

use super::{AckFailure, BoxFuture, BroadcastFlags, ConnectionStateRecovery, SocketInfo};
use crate::protocol::SocketId;
use crate::protocol::socketio::{Args, EncodedPacket};
use std::collections::HashSet;

/// Where a node's answer to a `serverSideEmitWithAck` goes: its first argument is the answer.
pub type ServerSideReply = Box<dyn FnOnce(Args) + Send>;
use std::time::Duration;

/// The sockets of one namespace on this node, as its adapter sees them.
pub trait LocalNamespace: Send + Sync + 'static {
    /// The namespace's name.
    fn name(&self) -> &str;
    /// Every socket connected to the namespace on this node.
    fn socket_ids(&self) -> Vec<SocketId>;
    /// Writes an encoded packet to these sockets (the ones still connected). Given as an
    /// iterator, so that an adapter can go through a room's members without copying them.
    fn deliver(
        &self,
        targets: &mut dyn Iterator<Item = &SocketId>,
        packet: &EncodedPacket,
        flags: BroadcastFlags,
    );
    /// Writes an encoded packet to every socket of the namespace but those in `except`: the
    /// broadcast to everyone, without listing the sockets first.
    fn deliver_to_all(
        &self,
        except: &HashSet<SocketId>,
        packet: &EncodedPacket,
        flags: BroadcastFlags,
    ) {
        let targets: Vec<SocketId> = self
            .socket_ids()
            .into_iter()
            .filter(|id| !except.contains(id))
            .collect();
        self.deliver(&mut targets.iter(), packet, flags);
    }
    /// Writes a packet that asks for acknowledgement `ack_id` to these sockets, each of which
    /// then waits for its answer at most `timeout`; returns each socket's answer to come.
    fn deliver_with_ack(
        &self,
        targets: &[SocketId],
        packet: &EncodedPacket,
        ack_id: u64,
        flags: BroadcastFlags,
        timeout: Duration,
    ) -> Vec<(SocketId, BoxFuture<Result<Args, AckFailure>>)>;
    /// What these sockets are, for `fetch_sockets`: ids, rooms, handshakes and serialized
    /// data.
    fn describe(&self, targets: &[SocketId]) -> Vec<SocketInfo>;
    /// A new acknowledgement id of this namespace, for a packet this adapter encodes itself (a
    /// broadcast with acknowledgements that another node asked for).
    fn next_ack_id(&self) -> u64;
    /// An event another server sent this namespace (`serverSideEmit`): `data` is its name
    /// followed by its arguments; `ack`, when the sender waits for an answer, takes this node's.
    fn on_server_side_emit(&self, _data: Args, _ack: Option<ServerSideReply>) {}
    /// Disconnects these sockets (with `close`, their whole connections).
    fn disconnect(&self, targets: &[SocketId], close: bool);
    /// The connection state recovery options, when the server has them on.
    fn connection_state_recovery(&self) -> Option<ConnectionStateRecovery> {
        None
    }
    /// How long a connection that died may go unnoticed: the ping interval plus the ping
    /// timeout. A packet sent longer ago than that before a disconnection was seen reached its
    /// client, or went to a connection already known to be gone.
    fn liveness_timeout(&self) -> Duration {
        Duration::from_secs(45)
    }
}
