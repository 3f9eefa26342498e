//! Connection state recovery (`connectionStateRecovery` in the reference): a client whose
//! connection drops for a moment comes back with the same socket id, rooms and data, and receives
//! every packet it missed.
//!
//! How it fits together:
//! - with the option on, every socket gets a private session id (`pid`), sent in the CONNECT
//!   answer beside its public id, and every event without acknowledgement goes through the
//!   adapter, which appends an offset to its arguments and keeps it for a while;
//! - when a socket leaves for a reason a network can cause (transport close or error, ping
//!   timeout), the adapter keeps its session: id, pid, rooms, data;
//! - a client that reconnects with `auth.pid` and `auth.offset` (socket.io-client does this by
//!   itself) gets its session back, the middlewares skipped if so configured, and every kept
//!   packet after its offset that its rooms selected, in order, exactly once.

use std::time::Duration;

/// The options of connection state recovery. [`Default`] gives the reference's defaults, plus
/// bounds on what is kept.
///
/// ```
/// use socketry::{ConnectionStateRecovery, ServerConfig};
/// use std::time::Duration;
///
/// let config = ServerConfig::default().connection_state_recovery(
///     ConnectionStateRecovery::default()
///         .max_disconnection_duration(Duration::from_secs(30))
///         .skip_middlewares(false),
/// );
/// # let _ = config;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionStateRecovery {
    /// How long a session and the packets it may miss are kept. Default 2 minutes.
    pub max_disconnection_duration: Duration,
    /// Whether a recovered socket skips the middlewares. Default `true`.
    pub skip_middlewares: bool,
    /// At most this many packets are kept per namespace, the oldest dropped first. Default
    /// 65 536. A client whose offset was dropped gets a new session.
    pub max_packets: usize,
    /// At most this many bytes of packets are kept per namespace. Default 64 MiB.
    pub max_bytes: usize,
}

impl Default for ConnectionStateRecovery {
    fn default() -> Self {
        ConnectionStateRecovery {
            max_disconnection_duration: Duration::from_secs(120),
            skip_middlewares: true,
            max_packets: 65_536,
            max_bytes: 64 << 20,
        }
    }
}

impl ConnectionStateRecovery {
    /// Sets [`max_disconnection_duration`](Self::max_disconnection_duration).
    pub fn max_disconnection_duration(mut self, d: Duration) -> Self {
        self.max_disconnection_duration = d;
        self
    }

    /// Sets [`skip_middlewares`](Self::skip_middlewares).
    pub fn skip_middlewares(mut self, skip: bool) -> Self {
        self.skip_middlewares = skip;
        self
    }

    /// Sets [`max_packets`](Self::max_packets).
    pub fn max_packets(mut self, n: usize) -> Self {
        self.max_packets = n;
        self
    }

    /// Sets [`max_bytes`](Self::max_bytes).
    pub fn max_bytes(mut self, n: usize) -> Self {
        self.max_bytes = n;
        self
    }
}
