//! [`LocalSide`]: what a namespace's adapter holds of it. A namespace holds its adapter, so
//! the adapter holds the namespace weakly: a namespace removed (an emptied child namespace)
//! is freed with its adapter, and a cluster adapter then leaves its channels.

use super::NamespaceInner;
use crate::adapter::{
    AckFailure, BoxFuture, BroadcastFlags, ConnectionStateRecovery, LocalNamespace,
    ServerSideReply, SocketInfo,
};
use crate::protocol::socketio::{Args, EncodedPacket};
use crate::protocol::{SocketId, Str};
use std::collections::HashSet;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// A namespace as its adapter reaches it; once the namespace is gone, it has no sockets.
pub(super) struct LocalSide {
    name: Str,
    ns: Weak<NamespaceInner>,
}

impl LocalSide {
    pub(super) fn new(ns: &Arc<NamespaceInner>) -> Self {
        LocalSide {
            name: ns.name.clone(),
            ns: Arc::downgrade(ns),
        }
    }
}

impl LocalNamespace for LocalSide {
    fn name(&self) -> &str {
        &self.name
    }

    fn socket_ids(&self) -> Vec<SocketId> {
        self.ns
            .upgrade()
            .map_or_else(Vec::new, |ns| ns.socket_ids())
    }

    fn deliver(
        &self,
        targets: &mut dyn Iterator<Item = &SocketId>,
        packet: &EncodedPacket,
        flags: BroadcastFlags,
    ) {
        if let Some(ns) = self.ns.upgrade() {
            ns.deliver(targets, packet, flags);
        }
    }

    fn deliver_to_all(
        &self,
        except: &HashSet<SocketId>,
        packet: &EncodedPacket,
        flags: BroadcastFlags,
    ) {
        if let Some(ns) = self.ns.upgrade() {
            ns.deliver_to_all(except, packet, flags);
        }
    }

    fn deliver_with_ack(
        &self,
        targets: &[SocketId],
        packet: &EncodedPacket,
        ack_id: u64,
        flags: BroadcastFlags,
        timeout: Duration,
    ) -> Vec<(SocketId, BoxFuture<Result<Args, AckFailure>>)> {
        self.ns.upgrade().map_or_else(Vec::new, |ns| {
            ns.deliver_with_ack(targets, packet, ack_id, flags, timeout)
        })
    }

    fn describe(&self, targets: &[SocketId]) -> Vec<SocketInfo> {
        self.ns
            .upgrade()
            .map_or_else(Vec::new, |ns| ns.describe(targets))
    }

    fn next_ack_id(&self) -> u64 {
        self.ns.upgrade().map_or(0, |ns| ns.next_ack_id())
    }

    fn on_server_side_emit(&self, data: Args, ack: Option<ServerSideReply>) {
        if let Some(ns) = self.ns.upgrade() {
            LocalNamespace::on_server_side_emit(&*ns, data, ack);
        }
    }

    fn disconnect(&self, targets: &[SocketId], close: bool) {
        if let Some(ns) = self.ns.upgrade() {
            LocalNamespace::disconnect(&*ns, targets, close);
        }
    }

    fn connection_state_recovery(&self) -> Option<ConnectionStateRecovery> {
        self.ns
            .upgrade()
            .and_then(|ns| ns.connection_state_recovery())
    }

    fn liveness_timeout(&self) -> Duration {
        self.ns
            .upgrade()
            .map_or(Duration::from_secs(45), |ns| ns.liveness_timeout())
    }
}
