//! [`Adapter`]: the contract between a namespace and where its rooms live.

use super::{
    AckOutcome, AdapterError, BoxFuture, BroadcastOptions, LocalNamespace, PersistedSession,
    RecoveryCounts, RestoredSession, Room, SocketInfo,
};
use crate::protocol::socketio::{Args, EncodedPacket};
use crate::protocol::{SocketId, Str};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// Rooms and broadcasts of one namespace.
///
/// Room bookkeeping is synchronous and local, as in the reference's adapters. What a cluster
/// adapter must ask the other nodes about returns a [`BoxFuture`]; what it only has to tell them
/// (broadcasts, room changes of selected sockets, disconnections) returns at once, the local part
/// done.
pub trait Adapter: Send + Sync + 'static {
    /// Adds socket `id` to `rooms`.
    fn add_all(&self, id: &SocketId, rooms: &[Room]);
    /// Removes socket `id` from `room`.
    fn del(&self, id: &SocketId, room: &Room);
    /// Removes socket `id` from every room (it is leaving the namespace).
    fn del_all(&self, id: &SocketId);
    /// The rooms socket `id` is in.
    fn socket_rooms(&self, id: &SocketId) -> HashSet<Room>;
    /// Every room with at least one socket of this node.
    fn rooms(&self) -> HashSet<Room>;
    /// How many sockets of this node are in `room`.
    fn room_size(&self, room: &Room) -> usize {
        self.local_sockets(&BroadcastOptions {
            rooms: vec![room.clone()],
            ..Default::default()
        })
        .len()
    }
    /// Every room with sockets of this node, with how many.
    fn room_sizes(&self) -> std::collections::HashMap<Room, usize> {
        self.rooms()
            .into_iter()
            .map(|r| {
                let n = self.room_size(&r);
                (r, n)
            })
            .collect()
    }
    /// The sockets of this node that `opts` selects.
    fn local_sockets(&self, opts: &BroadcastOptions) -> Vec<SocketId>;

    /// Sends `packet` to the sockets `opts` selects.
    fn broadcast(&self, packet: &EncodedPacket, opts: &BroadcastOptions);
    /// Sends `packet`, which asks for acknowledgement `ack_id`, to the sockets `opts` selects,
    /// and resolves with how many it reached and their answers once all have answered or
    /// `timeout` has passed (`broadcastWithAck`).
    fn broadcast_with_ack(
        &self,
        packet: &EncodedPacket,
        ack_id: u64,
        opts: &BroadcastOptions,
        timeout: Duration,
    ) -> BoxFuture<AckOutcome>;
    /// The sockets `opts` selects, wherever they are connected.
    fn fetch_sockets(&self, opts: &BroadcastOptions) -> BoxFuture<Vec<SocketInfo>>;
    /// Makes the sockets `opts` selects join `rooms`.
    fn add_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]);
    /// Makes the sockets `opts` selects leave `rooms`.
    fn del_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]);
    /// Disconnects the sockets `opts` selects.
    fn disconnect_sockets(&self, opts: &BroadcastOptions, close: bool);

    /// Sends an event to the other servers of the cluster (`serverSideEmit`): `data` is the
    /// event's name followed by its arguments.
    fn server_side_emit(&self, _data: Args) -> Result<(), AdapterError> {
        Err(AdapterError::Unsupported("serverSideEmit()"))
    }
    /// Sends an event to the other servers of the cluster and collects their answers, one per
    /// server, within `timeout` (`serverSideEmitWithAck`).
    fn server_side_emit_with_ack(
        &self,
        _data: Args,
        _timeout: Duration,
    ) -> BoxFuture<Result<Vec<Args>, AdapterError>> {
        Box::pin(std::future::ready(Err(AdapterError::Unsupported(
            "serverSideEmitWithAck()",
        ))))
    }
    /// How many servers share this namespace.
    fn server_count(&self) -> BoxFuture<usize> {
        Box::pin(std::future::ready(1))
    }
    /// Admits a new socket: runs `attach` (which makes it reachable and answers its CONNECT)
    /// and joins it to its own room. With connection state recovery on, returns the position
    /// it began at ([`PersistedSession::since`]), taken so that every packet logged after it
    /// either reached the socket live or is replayed to it after a drop.
    fn join_new(&self, sid: &SocketId, attach: &mut dyn FnMut()) -> Option<Str> {
        attach();
        self.add_all(sid, std::slice::from_ref(sid));
        None
    }
    /// Resolves once what this adapter still has to send has been sent (sessions persisted as
    /// the server shuts down, broadcasts queued for the other nodes). The server waits for it,
    /// within a bound, before it stops.
    fn flush(&self) -> BoxFuture<()> {
        Box::pin(std::future::ready(()))
    }
    /// What this adapter keeps in this process for connection state recovery (an adapter
    /// that keeps sessions elsewhere, in Redis say, counts none). For
    /// [`Server::stats`](crate::Server::stats).
    fn recovery_counts(&self) -> RecoveryCounts {
        RecoveryCounts::default()
    }
    /// Keeps a session whose connection dropped, for connection state recovery. Called while
    /// the socket is still in its rooms.
    fn persist_session(&self, _session: PersistedSession) {}
    /// Takes back the session `pid`, if it is still kept and `offset` is one of its own resume
    /// points from which nothing it may have missed was dropped; a session is given back once.
    /// No offset (a client that received no event yet) resumes from where the session began.
    /// An offset issued to another session, or not issued at all, gives nothing back.
    fn restore_session(
        &self,
        _pid: &str,
        _offset: Option<&str>,
    ) -> BoxFuture<Option<RestoredSession>> {
        Box::pin(std::future::ready(None))
    }
    /// Admits a socket whose session was restored: runs `attach` (which makes it reachable and
    /// answers its CONNECT), joins it to `rooms`, and delivers to it every packet after
    /// `resume_after` that those rooms selected, oldest first. A packet broadcast concurrently
    /// must reach it exactly once: either replayed here or delivered live, never both or
    /// neither (the in-memory adapter runs all of this under the lock its recoverable
    /// broadcasts take).
    fn join_restored(
        &self,
        sid: &SocketId,
        rooms: &[Room],
        _resume_after: &str,
        attach: &mut dyn FnMut(),
    ) {
        attach();
        self.add_all(sid, rooms);
    }
}

/// Builds the adapter of each namespace; given to the server once.
pub type AdapterFactory = Arc<dyn Fn(Arc<dyn LocalNamespace>) -> Arc<dyn Adapter> + Send + Sync>;
