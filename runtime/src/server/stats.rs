//! [`ServerStats`]: what a server holds right now, for operators and for tests that check it
//! all goes away.

use super::Server;

/// What a server holds right now, on this node. Each count goes back to zero once every
/// client has left (recovery sessions once their
/// [`max_disconnection_duration`](crate::ConnectionStateRecovery::max_disconnection_duration)
/// has passed), which is what a leak check compares.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let io = socketry::Server::new(socketry::ServerConfig::default());
/// let stats = io.stats();
/// assert_eq!((stats.sessions, stats.sockets, stats.namespaces), (0, 0, 1));
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerStats {
    /// Engine.IO sessions open: one per client connection, long-polling or WebSocket, with
    /// its heartbeat task.
    pub sessions: usize,
    /// Sockets connected, over all namespaces (a connection has one per namespace it joined).
    pub sockets: usize,
    /// Namespaces, dynamic ones included.
    pub namespaces: usize,
    /// Rooms over all namespaces, each socket's own room included.
    pub rooms: usize,
    /// Acknowledgements the server waits for from its clients (`emit_with_ack`).
    pub pending_acks: usize,
    /// Sessions kept for connection state recovery, waiting for their client to come back.
    pub recovery_sessions: usize,
    /// Packets kept for those sessions to catch up on.
    pub recovery_packets: usize,
    /// Tasks alive on the tokio runtime this is called on: every task, the application's
    /// own included, not only socketry's (0 outside a runtime).
    pub runtime_tasks: usize,
}

impl<C: ?Sized + 'static, S: ?Sized + 'static, I: ?Sized + 'static, D: 'static> Server<C, S, I, D> {
    /// What this server holds right now (see [`ServerStats`]).
    pub fn stats(&self) -> ServerStats {
        let namespaces: Vec<_> = self
            .0
            .namespaces
            .read()
            .expect("namespaces lock")
            .values()
            .cloned()
            .collect();
        let mut stats = ServerStats {
            sessions: self.0.engine.session_count(),
            namespaces: namespaces.len(),
            runtime_tasks: tokio::runtime::Handle::try_current()
                .map_or(0, |h| h.metrics().num_alive_tasks()),
            ..ServerStats::default()
        };
        for ns in &namespaces {
            let sockets = ns.all();
            stats.sockets += sockets.len();
            stats.pending_acks += sockets.iter().map(|s| s.pending_acks()).sum::<usize>();
            stats.rooms += ns.adapter().rooms().len();
            let kept = ns.adapter().recovery_counts();
            stats.recovery_sessions += kept.sessions;
            stats.recovery_packets += kept.packets;
        }
        stats
    }
}
