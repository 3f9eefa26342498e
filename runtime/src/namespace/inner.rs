//! A namespace's state: its sockets, in connection order, with their sessions beside them,
//! its adapter, its hooks, and the side of it its adapter reaches ([`LocalNamespace`]).

use super::Hooks;
use crate::adapter::{
    AckFailure, Adapter, BoxFuture, BroadcastFlags, ConnectionStateRecovery, LocalNamespace,
    ServerSideReply, SocketInfo,
};
use crate::client::Client;
use crate::engineio::{EngineSocket, SendError};
use crate::protocol::socketio::{Args, EncodedPacket};
use crate::protocol::{OrderedIdMap, ShrinkWhenSparse, SocketId, Str};
use crate::server::ServerInner;
use crate::socket::Socket;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, RwLock, Weak};
use std::time::Duration;

/// A connected socket, with its session beside it: a broadcast writes to the session without
/// reading the socket (one cache line fewer for each receiver).
pub(crate) struct Member {
    pub(crate) socket: Socket,
    pub(crate) engine: Arc<EngineSocket>,
}

impl Member {
    fn send(&self, packet: &EncodedPacket, flags: BroadcastFlags) {
        let _ = Client::send_to(&self.engine, packet, flags.volatile);
    }
}

pub(crate) struct NamespaceInner {
    pub(crate) name: Str,
    pub(crate) sockets: RwLock<OrderedIdMap<Member>>,
    adapter: OnceLock<Arc<dyn Adapter>>,
    pub(crate) hooks: Arc<Hooks>,
    ack_ids: AtomicU64,
    pub(crate) server: Weak<ServerInner>,
    /// Made by a dynamic namespace for a client (see [`ServerInner::connect`]), so removed
    /// when empty if the server cleans up child namespaces.
    pub(crate) child: bool,
    /// `CONNECT`s being handled here (see [`Joining`]): a namespace with any is not empty.
    joining: AtomicUsize,
}

/// A `CONNECT` being handled by a namespace, counted from when it was found in the server's
/// map (under its lock) until it is done, so that a child namespace is not removed under a
/// client joining it.
pub(crate) struct Joining(Arc<NamespaceInner>);

impl Joining {
    /// Counts a `CONNECT` to `ns`; call with the server's namespaces lock held.
    pub(crate) fn new(ns: &Arc<NamespaceInner>) -> Self {
        ns.joining.fetch_add(1, Ordering::AcqRel);
        Joining(ns.clone())
    }

    pub(crate) async fn connect(self, client: Arc<Client>, auth: serde_json::Value) {
        self.0.clone().connect(client, auth).await;
    }
}

impl Drop for Joining {
    fn drop(&mut self) {
        if self.0.joining.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.cleanup_if_empty();
        }
    }
}

impl NamespaceInner {
    pub(crate) fn new(
        name: Str,
        hooks: Arc<Hooks>,
        server: &Arc<ServerInner>,
        child: bool,
    ) -> Arc<Self> {
        let ns = Arc::new(NamespaceInner {
            name,
            sockets: RwLock::default(),
            adapter: OnceLock::new(),
            hooks,
            ack_ids: AtomicU64::new(0),
            server: Arc::downgrade(server),
            child,
            joining: AtomicUsize::new(0),
        });
        let adapter = (server.adapter)(Arc::new(super::local_side::LocalSide::new(&ns)));
        let _ = ns.adapter.set(adapter);
        ns
    }

    pub(crate) fn adapter(&self) -> &Arc<dyn Adapter> {
        self.adapter.get().expect("set at creation")
    }

    pub(crate) fn next_ack_id(&self) -> u64 {
        self.ack_ids.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn ack_timeout(&self) -> Duration {
        self.server
            .upgrade()
            .map_or(Duration::from_secs(5), |s| s.config.ack_timeout)
    }

    pub(crate) fn get(&self, id: SocketId) -> Option<Socket> {
        self.sockets
            .read()
            .expect("sockets lock")
            .get(&id)
            .map(|m| m.socket.clone())
    }

    /// The sockets of `targets` still connected, with the sockets lock released.
    fn collect(&self, targets: &[SocketId]) -> Vec<Socket> {
        let sockets = self.sockets.read().expect("sockets lock");
        targets
            .iter()
            .filter_map(|id| sockets.get(id))
            .map(|m| m.socket.clone())
            .collect()
    }

    pub(crate) fn all(&self) -> Vec<Socket> {
        self.sockets
            .read()
            .expect("sockets lock")
            .values()
            .map(|m| m.socket.clone())
            .collect()
    }

    pub(crate) fn remove(&self, socket: &Socket) {
        self.adapter().del_all(&socket.id());
        let empty = {
            let mut sockets = self.sockets.write().expect("sockets lock");
            sockets.swap_remove(&socket.id());
            sockets.shrink_when_sparse();
            sockets.is_empty()
        };
        if empty {
            self.cleanup_if_empty();
        }
    }

    /// Whether nothing is here: no socket, no client joining, no session kept for recovery.
    pub(crate) fn is_empty(&self) -> bool {
        self.joining.load(Ordering::Acquire) == 0
            && self.sockets.read().expect("sockets lock").is_empty()
            && self.adapter().recovery_counts().sessions == 0
    }

    /// A child namespace left empty goes, when the server cleans them up. One that still
    /// keeps sessions for recovery is looked at again once they have expired.
    fn cleanup_if_empty(&self) {
        if !self.child {
            return;
        }
        let Some(server) = self.server.upgrade() else {
            return;
        };
        if !server.config.cleanup_empty_child_namespaces {
            return;
        }
        if self.adapter().recovery_counts().sessions > 0 {
            let later = server
                .config
                .connection_state_recovery
                .as_ref()
                .map_or(Duration::ZERO, |r| r.max_disconnection_duration);
            let name = self.name.clone();
            let weak = Arc::downgrade(&server);
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move {
                    tokio::time::sleep(later + Duration::from_secs(1)).await;
                    if let Some(server) = weak.upgrade() {
                        server.remove_child_if_empty(&name);
                    }
                });
            }
            return;
        }
        server.remove_child_if_empty(&self.name);
    }
}

/// Who a new socket is: a fresh identity, or the one of a restored session.
pub(crate) struct Identity {
    pub(crate) id: SocketId,
    pub(crate) pid: Option<Str>,
    pub(crate) recovered: bool,
    /// Where its session began in the adapter's log (a restored one's, or set once joined).
    pub(crate) since: Option<Str>,
    /// The offset the client presented for a session that could not be resumed.
    pub(crate) presented: Option<Str>,
}

impl LocalNamespace for NamespaceInner {
    fn name(&self) -> &str {
        &self.name
    }

    fn socket_ids(&self) -> Vec<SocketId> {
        self.sockets
            .read()
            .expect("sockets lock")
            .keys()
            .cloned()
            .collect()
    }

    fn deliver_to_all(
        &self,
        except: &HashSet<SocketId>,
        packet: &EncodedPacket,
        flags: BroadcastFlags,
    ) {
        let sockets = self.sockets.read().expect("sockets lock");
        for (id, member) in sockets.iter() {
            if except.is_empty() || !except.contains(id) {
                member.send(packet, flags);
            }
        }
    }

    fn deliver(
        &self,
        targets: &mut dyn Iterator<Item = &SocketId>,
        packet: &EncodedPacket,
        flags: BroadcastFlags,
    ) {
        let sockets = self.sockets.read().expect("sockets lock");
        for id in targets {
            if let Some(member) = sockets.get(id) {
                member.send(packet, flags);
            }
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
        let sockets = self.sockets.read().expect("sockets lock");
        targets
            .iter()
            .filter_map(|id| sockets.get(id))
            .map(|Member { socket, .. }| {
                let id = socket.id();
                let rx = socket.register_ack(ack_id);
                let sent = socket.send_packet(packet, flags.volatile);
                let socket = socket.clone();
                let answer: BoxFuture<Result<Args, AckFailure>> = Box::pin(async move {
                    let answer = match sent {
                        Err(SendError::QueueFull) => Err(AckFailure::QueueFull),
                        Err(_) => Err(AckFailure::Closed),
                        Ok(()) => match tokio::time::timeout(timeout, rx).await {
                            Ok(Ok(args)) => Ok(args),
                            Ok(Err(_)) => Err(AckFailure::Disconnected),
                            Err(_) => {
                                crate::metrics::ack_timeout(socket.ns());
                                Err(AckFailure::Timeout)
                            }
                        },
                    };
                    socket.forget_ack(ack_id);
                    answer
                });
                (id, answer)
            })
            .collect()
    }

    fn describe(&self, targets: &[SocketId]) -> Vec<SocketInfo> {
        let Some(server) = self.server.upgrade() else {
            return Vec::new();
        };
        // Collected first: a socket's rooms are the adapter's, whose lock is never taken
        // while this one is held (a broadcast to a room takes them the other way round).
        self.collect(targets)
            .iter()
            .map(|s| SocketInfo {
                id: s.id(),
                rooms: s.rooms().into_iter().collect(),
                handshake: s.handshake().clone(),
                data: server.data.serialize(&s.0.data),
            })
            .collect()
    }

    fn connection_state_recovery(&self) -> Option<ConnectionStateRecovery> {
        self.server
            .upgrade()
            .and_then(|s| s.config.connection_state_recovery.clone())
    }

    fn liveness_timeout(&self) -> Duration {
        self.server.upgrade().map_or(Duration::from_secs(45), |s| {
            s.config.engine.ping_interval + s.config.engine.ping_timeout
        })
    }

    fn disconnect(&self, targets: &[SocketId], close: bool) {
        // Collected first: disconnecting takes the sockets lock again.
        for socket in self.collect(targets) {
            socket.disconnect(close);
        }
    }

    fn next_ack_id(&self) -> u64 {
        NamespaceInner::next_ack_id(self)
    }

    fn on_server_side_emit(&self, data: Args, ack: Option<ServerSideReply>) {
        crate::server_side_emit::dispatch(self, data, ack);
    }
}
