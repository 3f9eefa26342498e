//! Adapters: where rooms live and how a packet reaches the sockets of a namespace.
//!
//! Each namespace has one [`Adapter`]. The default, [`MemoryAdapter`], keeps rooms in this
//! process. A cluster adapter (Redis, …) implements the same trait and forwards broadcasts to the
//! other nodes as well; its room bookkeeping stays local, as in the reference's adapters.
//!
//! The adapter reaches the sockets of its own node through [`LocalNamespace`], which the
//! namespace gives it when it is created: the adapter decides *who* receives a packet, the
//! namespace writes it.
//!
//! Connection state recovery also goes through the adapter: it keeps the sessions of sockets
//! whose connection dropped ([`Adapter::persist_session`]), the recoverable packets with their
//! offsets (in [`Adapter::broadcast`], for packets whose `recoverable` is set), gives a session
//! back ([`Adapter::restore_session`]) and replays what it missed ([`Adapter::join_restored`]).
//! The in-memory adapter does this with a [`SessionLog`]. A cluster adapter keeps the same
//! contract across nodes: a session persisted on one node can be restored on another, the
//! packets of every node count, and a broadcast racing with a restore reaches the client once.

mod memory;
mod session_log;

pub use memory::MemoryAdapter;
pub use session_log::{Missed, SessionLog};

use crate::ack::AckError;
use crate::engineio::{SendError, Sid, Str};
use crate::protocol::socketio::{Args, EncodedPacket};
use crate::remote::RemoteSocket;
use crate::socket::SocketId;
use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

/// The futures adapters return for what may cross the network.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Every answer to a broadcast with acknowledgements: one entry per socket reached.
pub type AckResponses = Vec<(SocketId, Result<Args, AckError>)>;

/// A socket's data (`socket.data`), shared by its handles and kept with its session.
pub type SocketData = Arc<std::sync::Mutex<Box<dyn std::any::Any + Send>>>;

/// A session kept for connection state recovery: what a socket was when its connection
/// dropped, for a client that comes back with its private id.
pub struct PersistedSession {
    /// The public socket id, given back to the client.
    pub sid: SocketId,
    /// The private id the client presents to recover.
    pub pid: Str,
    /// The rooms the socket was in (its own id among them).
    pub rooms: Vec<Room>,
    /// The socket's data, as it was (the same value, not a copy).
    pub data: SocketData,
    /// The adapter's position when the session began ([`Adapter::join_new`]): the packets
    /// before it were not for this session, and no earlier offset is one of its resume points.
    pub since: Option<Str>,
    /// The offset the client presented when the session began, when it could not be resumed
    /// from it (an offset of an earlier session). The stock client presents it again until an
    /// event gives it a new one; then it means the same as no offset.
    pub presented: Option<Str>,
}

/// A session given back by [`Adapter::restore_session`], and the point to replay from.
#[derive(Debug)]
pub struct RestoredSession {
    /// The session as it was persisted.
    pub session: PersistedSession,
    /// The position the client has seen everything up to: the packets after it are replayed
    /// ([`Adapter::join_restored`]).
    pub resume_after: Str,
}

impl std::fmt::Debug for PersistedSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersistedSession")
            .field("sid", &self.sid)
            .field("rooms", &self.rooms)
            .finish_non_exhaustive()
    }
}

/// Why an adapter could not do something.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdapterError {
    /// This adapter has no other servers to talk to (the in-memory adapter).
    #[error("this adapter does not support the {0} functionality")]
    Unsupported(&'static str),
}

/// A room name.
pub type Room = Str;

/// The sockets a broadcast reaches, and how.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BroadcastOptions {
    /// The union of these rooms; every socket of the namespace when empty.
    pub rooms: Vec<Room>,
    /// Minus the sockets in any of these rooms (a socket's id is a room too).
    pub except: Vec<Room>,
    /// Delivery flags.
    pub flags: BroadcastFlags,
}

/// How a broadcast is delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BroadcastFlags {
    /// Dropped for sockets that are not ready to take it now.
    pub volatile: bool,
    /// Only to this node's sockets (cluster adapters skip the other nodes).
    pub local: bool,
    /// Whether the transport may compress it (kept for compatibility; WebSocket compression is
    /// not negotiated by this server).
    pub compress: bool,
}

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
    /// then waits for its answer; returns each socket's answer channel.
    fn deliver_with_ack(
        &self,
        targets: &[SocketId],
        packet: &EncodedPacket,
        ack_id: u64,
        flags: BroadcastFlags,
    ) -> Vec<(SocketId, Result<oneshot::Receiver<Args>, SendError>)>;
    /// Forgets acknowledgement `ack_id` on these sockets (its time is up).
    fn forget_ack(&self, targets: &[SocketId], ack_id: u64);
    /// What these sockets are, for `fetch_sockets`.
    fn describe(&self, targets: &[SocketId]) -> Vec<RemoteSocket>;
    /// Disconnects these sockets (with `close`, their whole connections).
    fn disconnect(&self, targets: &[SocketId], close: bool);
    /// The connection state recovery options, when the server has them on.
    fn connection_state_recovery(&self) -> Option<crate::ConnectionStateRecovery> {
        None
    }
    /// How long a connection that died may go unnoticed: the ping interval plus the ping
    /// timeout. A packet sent longer ago than that before a disconnection was seen reached its
    /// client, or went to a connection already known to be gone.
    fn liveness_timeout(&self) -> Duration {
        Duration::from_secs(45)
    }
}

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
    /// and resolves with each one's answer once all have answered or `timeout` has passed.
    fn broadcast_with_ack(
        &self,
        packet: &EncodedPacket,
        ack_id: u64,
        opts: &BroadcastOptions,
        timeout: Duration,
    ) -> BoxFuture<AckResponses>;
    /// The sockets `opts` selects, wherever they are connected.
    fn fetch_sockets(&self, opts: &BroadcastOptions) -> BoxFuture<Vec<RemoteSocket>>;
    /// Makes the sockets `opts` selects join `rooms`.
    fn add_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]);
    /// Makes the sockets `opts` selects leave `rooms`.
    fn del_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]);
    /// Disconnects the sockets `opts` selects.
    fn disconnect_sockets(&self, opts: &BroadcastOptions, close: bool);

    /// Sends an event to the other servers of the cluster (`serverSideEmit`).
    fn server_side_emit(&self, _packet: &EncodedPacket) -> Result<(), AdapterError> {
        Err(AdapterError::Unsupported("serverSideEmit()"))
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

/// Anything that names one or several rooms: `"a"`, `String`, a socket id, arrays, `Vec`s,
/// slices.
pub trait IntoRooms {
    /// The rooms.
    fn into_rooms(self) -> Vec<Room>;
}

impl IntoRooms for &str {
    fn into_rooms(self) -> Vec<Room> {
        vec![Str::from(self)]
    }
}
impl IntoRooms for String {
    fn into_rooms(self) -> Vec<Room> {
        vec![Str::from(self)]
    }
}
impl IntoRooms for &String {
    fn into_rooms(self) -> Vec<Room> {
        vec![Str::from(self.as_str())]
    }
}
impl IntoRooms for Str {
    fn into_rooms(self) -> Vec<Room> {
        vec![self]
    }
}
impl IntoRooms for Sid {
    fn into_rooms(self) -> Vec<Room> {
        vec![Str::from(self.as_str())]
    }
}
impl IntoRooms for &Str {
    fn into_rooms(self) -> Vec<Room> {
        vec![self.clone()]
    }
}
impl<T: IntoRooms> IntoRooms for Vec<T> {
    fn into_rooms(self) -> Vec<Room> {
        self.into_iter().flat_map(IntoRooms::into_rooms).collect()
    }
}
impl<T: IntoRooms, const N: usize> IntoRooms for [T; N] {
    fn into_rooms(self) -> Vec<Room> {
        self.into_iter().flat_map(IntoRooms::into_rooms).collect()
    }
}
impl<T: IntoRooms + Clone> IntoRooms for &[T] {
    fn into_rooms(self) -> Vec<Room> {
        self.iter()
            .cloned()
            .flat_map(IntoRooms::into_rooms)
            .collect()
    }
}
