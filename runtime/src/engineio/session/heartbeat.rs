//! The heartbeat: pings and their deadlines (v4), or the client's pings awaited (v3).

use super::EngineSocket;
use crate::engineio::errors::CloseReason;
use crate::protocol::engineio::packet::{Packet, ProtocolVersion};
use std::sync::Arc;
use std::time::Duration;

impl EngineSocket {
    /// Pings every `interval` and closes the session when no pong comes within `timeout` (v4);
    /// closes it when the client's pings stop (v3). Runs until the session closes.
    ///
    /// Deadlines are instants, not chained sleeps, so that timer latency does not add up: a
    /// session is expired exactly `interval + timeout` after its last pong.
    pub(crate) async fn heartbeat(self: Arc<Self>, interval: Duration, timeout: Duration) {
        use tokio::time::{Instant, sleep_until};
        // One timer and one wait for the close, for the session's whole life: reset and polled
        // again each round, rather than a new timer entry and close waiter per round (this task
        // lives as long as the session, so its size is part of every idle connection's memory).
        let timer = sleep_until(Instant::now() + interval);
        let closed = self.closed.cancelled();
        tokio::pin!(timer, closed);
        if self.protocol == ProtocolVersion::V3 {
            loop {
                let deadline = Instant::now() + interval + timeout;
                *self.pong_deadline.lock().expect("deadline lock") = Some(deadline);
                timer.as_mut().reset(deadline);
                tokio::select! {
                    // v3: the client pings, and its pings pace the queue's trims.
                    _ = self.pong.notified() => self.queue.trim(),
                    _ = &mut timer => {
                        self.terminate(CloseReason::PingTimeout);
                        return;
                    }
                    _ = &mut closed => return,
                }
            }
        }
        loop {
            tokio::select! {
                _ = &mut timer => {}
                _ = &mut closed => return,
            }
            let deadline = timer.deadline() + timeout;
            *self.pong_deadline.lock().expect("deadline lock") = Some(deadline);
            timer.as_mut().reset(deadline);
            // A full queue means the client is not reading: it will miss the pong deadline.
            let _ = self.queue.push(Packet::Ping);
            self.queue.trim();
            tokio::select! {
                _ = self.pong.notified() => {
                    *self.pong_deadline.lock().expect("deadline lock") = None;
                    timer.as_mut().reset(Instant::now() + interval);
                }
                _ = &mut timer => {
                    self.terminate(CloseReason::PingTimeout);
                    return;
                }
                _ = &mut closed => return,
            }
        }
    }

    /// Whether the pong deadline has passed; the session then closes with `ping timeout` now,
    /// whether or not its timer has fired yet.
    pub(crate) fn expire_if_overdue(self: &Arc<Self>) -> bool {
        let overdue = self
            .pong_deadline
            .lock()
            .expect("deadline lock")
            .is_some_and(|d| tokio::time::Instant::now() >= d);
        if overdue {
            self.terminate(CloseReason::PingTimeout);
        }
        overdue || self.is_terminated()
    }
}
