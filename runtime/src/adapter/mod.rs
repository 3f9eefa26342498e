//! Adapters: where rooms live and how a packet reaches the sockets of a namespace.
//!
//! Each namespace has one [`Adapter`]. The default, [`MemoryAdapter`], keeps rooms in this
//! process. A cluster adapter (Redis, …) implements the same trait and forwards broadcasts to the
//! other nodes as well; its room bookkeeping stays local, as in the reference's adapters.
//!
//! The adapter reaches the sockets of its own node through [`LocalNamespace`], which the
//! namespace gives it when it is created: the adapter decides *who* receives a packet, the
//! namespace writes it.

mod memory;

pub use memory::MemoryAdapter;

use crate::engineio::{Sid, Str};
use crate::socketio::EncodedPacket;
use std::collections::HashSet;
use std::sync::Arc;

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
    fn socket_ids(&self) -> Vec<Sid>;
    /// Writes an encoded packet to these sockets (the ones still connected).
    fn deliver(&self, targets: &[Sid], packet: &EncodedPacket, flags: BroadcastFlags);
}

/// Rooms and broadcasts of one namespace.
///
/// Room bookkeeping is synchronous and local. [`broadcast`](Adapter::broadcast) delivers to
/// this node's sockets before it returns; a cluster adapter also publishes the packet to the
/// other nodes (unless [`BroadcastFlags::local`]).
pub trait Adapter: Send + Sync + 'static {
    /// Adds socket `id` to `rooms`.
    fn add_all(&self, id: Sid, rooms: &[Room]);
    /// Removes socket `id` from `room`.
    fn del(&self, id: Sid, room: &Room);
    /// Removes socket `id` from every room (it is leaving the namespace).
    fn del_all(&self, id: Sid);
    /// The rooms socket `id` is in.
    fn socket_rooms(&self, id: Sid) -> HashSet<Room>;
    /// Every room with at least one socket of this node.
    fn rooms(&self) -> HashSet<Room>;
    /// The sockets of this node that `opts` selects.
    fn local_sockets(&self, opts: &BroadcastOptions) -> Vec<Sid>;
    /// Sends `packet` to the sockets `opts` selects.
    fn broadcast(&self, packet: &EncodedPacket, opts: &BroadcastOptions);
}

/// Builds the adapter of each namespace; given to the server once.
pub type AdapterFactory = Arc<dyn Fn(Arc<dyn LocalNamespace>) -> Arc<dyn Adapter> + Send + Sync>;

/// Anything that names one or several rooms: `"a"`, `String`, `Sid`, arrays, `Vec`s, slices.
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
