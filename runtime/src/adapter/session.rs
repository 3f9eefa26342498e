//! The sessions connection state recovery keeps: [`PersistedSession`] and [`RestoredSession`].

use super::{Room, SessionData};
use crate::protocol::{SocketId, Str};

/// A session kept for connection state recovery: what a socket was when its connection
/// dropped, for a client that comes back with its private id. All plain data, so that another
/// node can restore it.
#[derive(Debug, Clone)]
pub struct PersistedSession {
    /// The public socket id, given back to the client.
    pub sid: SocketId,
    /// The private id the client presents to recover.
    pub pid: Str,
    /// The rooms the socket was in (its own id among them).
    pub rooms: Vec<Room>,
    /// The socket's data.
    pub data: SessionData,
    /// The adapter's position when the session began ([`Adapter::join_new`]): the packets
    /// before it were not for this session, and no earlier offset is one of its resume points.
    ///
    /// [`Adapter::join_new`]: super::Adapter::join_new
    pub since: Option<Str>,
    /// The offset the client presented when the session began, when it could not be resumed
    /// from it (an offset of an earlier session). The stock client presents it again until an
    /// event gives it a new one; then it means the same as no offset.
    pub presented: Option<Str>,
}

/// A session given back by [`Adapter::restore_session`], and the point to replay from.
///
/// [`Adapter::restore_session`]: super::Adapter::restore_session
#[derive(Debug)]
pub struct RestoredSession {
    /// The session as it was persisted.
    pub session: PersistedSession,
    /// The position the client has seen everything up to: the packets after it are replayed
    /// ([`Adapter::join_restored`](super::Adapter::join_restored)).
    pub resume_after: Str,
}

/// What an adapter keeps in this process for connection state recovery (see
/// [`Adapter::recovery_counts`](super::Adapter::recovery_counts)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecoveryCounts {
    /// Sessions of sockets that dropped, waiting for their client to come back.
    pub sessions: usize,
    /// Packets kept for those sessions to catch up on.
    pub packets: usize,
}
