//! A session's send queue: many producers (the application, broadcasts, the heartbeat), one
//! consumer at a time (the transport writing).
//!
//! A broadcast pushes one packet into each receiver's queue, so this is the hottest path of a
//! busy server. A lock around a `VecDeque` is what it needs: one uncontended lock per push, no
//! permit accounting, no wake-up unless the consumer is actually waiting (a writer that has not
//! run yet since the last wake-up is woken once, and then finds every packet pushed meanwhile),
//! and no allocation for an idle session.
//!
//! Idle and busy sessions keep their buffers differently. A session that has been drained only a
//! few times since the last heartbeat gives its buffer back each time it is found empty, so that
//! idle connections hold none. A busy one (a receiver of frequent broadcasts, found empty
//! between every two of them) keeps a small buffer until the next heartbeat, rather than
//! allocating and freeing it once per message.

use super::packet::Packet;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

/// Why packets were not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// `max_buffered_packets` packets wait for a client that does not read them.
    Full,
    /// The session is closed, or closing: its last packet is queued.
    Closed,
}

#[derive(Debug, Default)]
struct Inner {
    packets: VecDeque<Packet>,
    /// The consumer waiting for a packet (or for [`SendQueue::wake`]).
    waker: Option<Waker>,
    /// Set by [`SendQueue::wake`]: the waiting consumer returns even with nothing queued.
    woken: bool,
    /// Drains since the last [`SendQueue::trim`].
    drains: u32,
    /// No more packets are taken. Kept here, beside the packets, so that a broadcast checks it
    /// in the lock it takes anyway rather than in another cache line of the session.
    closed: bool,
}

/// Drains after which a session counts as busy and keeps its buffers while it waits.
const BUSY_DRAINS: u32 = 2;

/// The most packets a busy session's buffer keeps room for while it waits.
const KEPT_PACKETS: usize = 64;

#[derive(Debug)]
pub(crate) struct SendQueue {
    inner: Mutex<Inner>,
    capacity: usize,
}

impl SendQueue {
    pub(crate) fn new(capacity: usize) -> Self {
        SendQueue {
            inner: Mutex::default(),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding this lock leaves a consistent deque behind.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues one packet.
    pub(crate) fn push(&self, packet: Packet) -> Result<(), Refused> {
        self.push_all(std::iter::once(packet), 1)
    }

    /// Queues `packet` as the last one: later pushes are refused.
    pub(crate) fn push_last(&self, packet: Packet) -> Result<(), Refused> {
        self.push_then(std::iter::once(packet), 1, true)
    }

    /// Queues `count` packets in order with nothing between them, or none.
    pub(crate) fn push_all(
        &self,
        packets: impl IntoIterator<Item = Packet>,
        count: usize,
    ) -> Result<(), Refused> {
        self.push_then(packets, count, false)
    }

    fn push_then(
        &self,
        packets: impl IntoIterator<Item = Packet>,
        count: usize,
        close: bool,
    ) -> Result<(), Refused> {
        let waker = {
            let mut inner = self.lock();
            if inner.closed {
                return Err(Refused::Closed);
            }
            if inner.packets.len() + count > self.capacity {
                return Err(Refused::Full);
            }
            inner.packets.extend(packets);
            inner.closed = close;
            inner.waker.take()
        };
        // Woken outside the lock: the consumer may run at once on another thread.
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    /// How many packets wait.
    pub(crate) fn len(&self) -> usize {
        self.lock().packets.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The next packet, if one waits.
    pub(crate) fn try_pop(&self) -> Option<Packet> {
        self.lock().packets.pop_front()
    }

    /// Moves every waiting packet to `out`; when there is none, waits for one, or for
    /// [`wake`](Self::wake) (then `out` may stay empty).
    ///
    /// Going to wait, it sets `release` when the consumer should give its own buffers back
    /// too, and gives back the queue's (see the module docs).
    pub(crate) fn poll_drain(
        &self,
        cx: &mut Context<'_>,
        out: &mut VecDeque<Packet>,
        release: &mut bool,
    ) -> Poll<()> {
        let mut inner = self.lock();
        if inner.packets.is_empty() {
            if std::mem::take(&mut inner.woken) {
                return Poll::Ready(());
            }
            *release = inner.drains < BUSY_DRAINS;
            if *release || inner.packets.capacity() > KEPT_PACKETS {
                inner.packets = VecDeque::new();
            }
            match &mut inner.waker {
                Some(w) if w.will_wake(cx.waker()) => {}
                slot => *slot = Some(cx.waker().clone()),
            }
            return Poll::Pending;
        }
        inner.drains = inner.drains.saturating_add(1);
        if out.is_empty() {
            // The buffers change hands: no packet is moved under the lock (nor touched, for a
            // broadcast's receiver, in a cache line other than the one it was written to), and
            // the queue goes on with the consumer's empty buffer and its room.
            std::mem::swap(out, &mut inner.packets);
        } else {
            out.extend(inner.packets.drain(..));
        }
        Poll::Ready(())
    }

    /// Counts the session as idle again: the next time its consumer waits, buffers are given
    /// back. The heartbeat calls this once per ping.
    pub(crate) fn trim(&self) {
        self.lock().drains = 0;
    }

    /// Waits for the next packet.
    pub(crate) async fn pop(&self) -> Packet {
        poll_fn(|cx| {
            let mut inner = self.lock();
            match inner.packets.pop_front() {
                Some(p) => Poll::Ready(p),
                None => {
                    inner.waker = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
        .await
    }

    /// Wakes the consumer without a packet: the transport has something of its own to write.
    pub(crate) fn wake(&self) {
        self.wake_and(false);
    }

    /// Refuses packets from now on, and wakes the consumer: the session has ended.
    pub(crate) fn close(&self) {
        self.wake_and(true);
    }

    fn wake_and(&self, close: bool) {
        let waker = {
            let mut inner = self.lock();
            inner.woken = true;
            inner.closed |= close;
            inner.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engineio::str::Str;

    fn msg(s: &'static str) -> Packet {
        Packet::Message(Str::from_static(s))
    }

    #[test]
    fn bounded_and_all_or_nothing() {
        let q = SendQueue::new(3);
        q.push(msg("a")).unwrap();
        assert_eq!(
            q.push_all([msg("b"), msg("c"), msg("d")], 3),
            Err(Refused::Full)
        );
        assert_eq!(q.len(), 1);
        q.push_all([msg("b"), msg("c")], 2).unwrap();
        assert_eq!(q.push(msg("d")), Err(Refused::Full));
        assert_eq!(q.try_pop(), Some(msg("a")));
        q.push(msg("d")).unwrap();
        let mut out = VecDeque::new();
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        assert_eq!(q.poll_drain(&mut cx, &mut out, &mut false), Poll::Ready(()));
        assert_eq!(out, [msg("b"), msg("c"), msg("d")]);
        assert!(q.is_empty());
    }

    #[test]
    fn nothing_is_taken_after_the_last_packet_or_a_close() {
        let q = SendQueue::new(8);
        q.push(msg("a")).unwrap();
        q.push_last(Packet::Close).unwrap();
        assert_eq!(q.push(msg("b")), Err(Refused::Closed));
        assert_eq!(q.try_pop(), Some(msg("a")));
        assert_eq!(q.try_pop(), Some(Packet::Close));

        let q = SendQueue::new(8);
        q.close();
        assert_eq!(q.push(msg("c")), Err(Refused::Closed));
        assert!(q.is_empty());
    }

    /// A consumer waiting in `poll_drain` on another task; gives what it drained.
    fn waiting_consumer(q: &std::sync::Arc<SendQueue>) -> tokio::task::JoinHandle<Vec<Packet>> {
        let q = q.clone();
        tokio::spawn(async move {
            let mut out = VecDeque::new();
            poll_fn(|cx| q.poll_drain(cx, &mut out, &mut false)).await;
            out.into()
        })
    }

    #[tokio::test]
    async fn a_push_or_a_wake_releases_the_waiting_consumer() {
        let q = std::sync::Arc::new(SendQueue::new(8));
        let waiter = waiting_consumer(&q);
        tokio::task::yield_now().await;
        q.push(msg("x")).unwrap();
        assert_eq!(waiter.await.unwrap(), [msg("x")]);

        let waiter = waiting_consumer(&q);
        tokio::task::yield_now().await;
        q.wake();
        assert!(waiter.await.unwrap().is_empty());
        q.push(msg("y")).unwrap();
        assert_eq!(q.pop().await, msg("y"));
    }
}
