//! [`DisconnectReason`]: why a socket left its namespace.

use crate::engineio::CloseReason;
use std::fmt;

/// Why a socket left its namespace, worded as the reference words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The client left the namespace (`socket.disconnect()` on the client).
    ClientNamespaceDisconnect,
    /// The server removed the socket ([`Socket::disconnect`](crate::Socket::disconnect)).
    ServerNamespaceDisconnect,
    /// The connection closed (the client went away or closed it).
    TransportClose,
    /// The connection failed.
    TransportError,
    /// The client stopped answering heartbeats.
    PingTimeout,
    /// The client sent something that is not a valid packet.
    ParseError,
    /// The server is shutting down.
    ServerShuttingDown,
    /// The connection was closed by the server at the Engine.IO level.
    ForcedClose,
    /// The server closed the connection: `disconnect(true)`, a packet out of turn, or no
    /// namespace joined within `connect_timeout`.
    ForcedServerClose,
}

impl DisconnectReason {
    /// The reason's text, as the client sees it in the reference.
    pub fn as_str(self) -> &'static str {
        match self {
            DisconnectReason::ClientNamespaceDisconnect => "client namespace disconnect",
            DisconnectReason::ServerNamespaceDisconnect => "server namespace disconnect",
            DisconnectReason::TransportClose => "transport close",
            DisconnectReason::TransportError => "transport error",
            DisconnectReason::PingTimeout => "ping timeout",
            DisconnectReason::ParseError => "parse error",
            DisconnectReason::ServerShuttingDown => "server shutting down",
            DisconnectReason::ForcedClose => "forced close",
            DisconnectReason::ForcedServerClose => "forced server close",
        }
    }

    /// Whether a socket that left for this reason may come back as itself: with connection
    /// state recovery on, its session (id, rooms, data, missed packets) is kept for
    /// [`max_disconnection_duration`](crate::ConnectionStateRecovery::max_disconnection_duration).
    /// True for what a network causes and for a server shutting down; an explicit
    /// disconnection, by either side, is final.
    ///
    /// ```
    /// use socketry::DisconnectReason;
    ///
    /// assert!(DisconnectReason::PingTimeout.is_recoverable());
    /// assert!(!DisconnectReason::ClientNamespaceDisconnect.is_recoverable());
    /// ```
    pub fn is_recoverable(self) -> bool {
        is_recoverable(self)
    }
}

impl From<CloseReason> for DisconnectReason {
    fn from(r: CloseReason) -> Self {
        match r {
            CloseReason::TransportClose => DisconnectReason::TransportClose,
            CloseReason::TransportError => DisconnectReason::TransportError,
            CloseReason::PingTimeout => DisconnectReason::PingTimeout,
            CloseReason::ParseError => DisconnectReason::ParseError,
            CloseReason::ForcedClose => DisconnectReason::ForcedClose,
            CloseReason::ServerShuttingDown => DisconnectReason::ServerShuttingDown,
        }
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a socket that left for `reason` keeps its session: for what a network causes, and
/// for its server shutting down (in a cluster, its client comes back on another node, as
/// during a rolling deploy). An explicit disconnection, by either side, is final. (The
/// reference also keeps sessions on the forced closes.)
pub(crate) fn is_recoverable(reason: DisconnectReason) -> bool {
    matches!(
        reason,
        DisconnectReason::TransportClose
            | DisconnectReason::TransportError
            | DisconnectReason::PingTimeout
            | DisconnectReason::ServerShuttingDown
    )
}
