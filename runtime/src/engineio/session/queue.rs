//! A session's send queue: many producers (the application, broadcasts, the heartbeat), one
//! consumer at a time (the transport writing).
//!
//! A broadcast pushes one packet into each receiver's queue, so this is the hottest path of a
//! busy server. A lock around a `Vec` is what it needs: one uncontended lock per push, no
//! permit accounting, no wake-up unless the consumer is actually waiting (a writer that has not
//! run yet since the last wake-up is woken once, and then finds every packet pushed meanwhile),
//! and no allocation for an idle session.
//!
//! Idle and busy sessions keep their buffers differently. A session that has been drained only a
//! few times since the last heartbeat gives its buffer back each time it is found empty, so that
//! idle connections hold none. A busy one (a receiver of frequent broadcasts, found empty
//! between every two of them) keeps a small buffer until the next heartbeat, rather than
//! allocating and freeing it once per message.

use crate::protocol::Framed;
use crate::protocol::engineio::packet::Packet;
use std::future::poll_fn;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

/// Why packets were not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// `max_buffered_packets` packets, or `max_buffered_bytes` bytes, wait for a client that
    /// does not read them.
    Full,
    /// The session is closed, or closing: its last packet is queued.
    Closed,
}

/// Everything a push and a drain touch, in one cache line with the lock (checked by a test):
/// a broadcast to thousands of sessions pays a cache miss for each line it touches in each
/// receiver, and a receiver that keeps up is found with an empty queue, whose next packet then
/// goes in `first`, beside the lock, rather than in a buffer of its own.
#[derive(Debug, Default)]
struct Inner {
    /// The oldest packet, when it is a shared text frame (a broadcast's, an acknowledgement's)
    /// pushed into an empty queue; the rest follow in `rest`.
    first: Option<Framed>,
    rest: Vec<Packet>,
    /// The consumer waiting for a packet (or for [`SendQueue::wake`]).
    waker: Option<Waker>,
    /// The bytes of the packets waiting (a shared frame counted whole for each receiver).
    bytes: u32,
    /// Drains since the last [`SendQueue::trim`].
    drains: u8,
    /// Set by [`SendQueue::wake`]: the waiting consumer returns even with nothing queued, and
    /// the next drain reports it.
    woken: bool,
    /// No more packets are taken.
    closed: bool,
    /// The session has ended: its consumer stops (see [`Drained::ended`]).
    ended: bool,
}

impl Inner {
    fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.rest.len()
    }

    fn is_empty(&self) -> bool {
        self.first.is_none() && self.rest.is_empty()
    }
}

/// Drains after which a session counts as busy and keeps its buffers while it waits.
const BUSY_DRAINS: u8 = 2;

/// The most packets a busy session's buffer keeps room for while it waits.
const KEPT_PACKETS: usize = 64;

// Aligned so that the lock and `Inner` start a cache line; `capacity` is in the next one, read
// only when packets already wait (and their buffer is touched anyway).
#[derive(Debug)]
#[repr(C, align(64))]
pub(crate) struct SendQueue {
    inner: Mutex<Inner>,
    capacity: usize,
    max_bytes: u32,
}

/// What a packet weighs in the queue: its payload's bytes.
fn weight(packet: &Packet) -> u32 {
    let len = match packet {
        Packet::Message(text) | Packet::Open(text) => text.len(),
        Packet::Framed(frame) => frame.text().len(),
        Packet::Binary(data) => data.len(),
        _ => 1,
    };
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// What one drain took, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Drained {
    first: Option<Framed>,
    rest: Vec<Packet>,
    /// [`SendQueue::wake`] was called since the last drain: the transport has something of its
    /// own to write.
    pub(crate) woken: bool,
    /// [`SendQueue::close`] was called: the session has ended, and what is left is not sent.
    /// Read from the queue's own line, so that a consumer checks it without touching the
    /// session's.
    pub(crate) ended: bool,
}

impl Drained {
    /// Takes the packets out, in order.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = Packet> + '_ {
        self.first
            .take()
            .map(Packet::Framed)
            .into_iter()
            .chain(self.rest.drain(..))
    }

    /// Frees the (empty) buffer.
    pub(crate) fn release(&mut self) {
        self.rest = Vec::new();
    }

    /// Room kept for packets.
    pub(crate) fn capacity(&self) -> usize {
        self.rest.capacity()
    }
}

impl SendQueue {
    /// A queue refusing packets beyond `capacity` packets or `max_bytes` bytes (packets that
    /// find it empty are taken whatever their size: a message larger than the bound is sent).
    pub(crate) fn new(capacity: usize, max_bytes: usize) -> Self {
        SendQueue {
            inner: Mutex::default(),
            capacity: capacity.max(1),
            max_bytes: u32::try_from(max_bytes).unwrap_or(u32::MAX).max(1),
        }
    }

    /// Whether `count` more packets of `bytes` bytes overflow a queue holding `inner` (which
    /// is not empty).
    fn overflows(&self, inner: &Inner, count: usize, bytes: u32) -> bool {
        inner.len() + count > self.capacity || inner.bytes.saturating_add(bytes) > self.max_bytes
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding this lock leaves a consistent queue behind.
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

    /// Queues a shared text frame: what a broadcast gives each of its receivers.
    pub(crate) fn push_framed(&self, frame: &Framed) -> Result<(), Refused> {
        let waker = {
            let mut inner = self.lock();
            if inner.closed {
                return Err(Refused::Closed);
            }
            let bytes = u32::try_from(frame.text().len()).unwrap_or(u32::MAX);
            if inner.is_empty() {
                inner.first = Some(frame.clone());
            } else {
                if self.overflows(&inner, 1, bytes) {
                    return Err(Refused::Full);
                }
                inner.rest.push(Packet::Framed(frame.clone()));
            }
            inner.bytes = inner.bytes.saturating_add(bytes);
            inner.waker.take()
        };
        // Woken outside the lock: the consumer may run at once on another thread.
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
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
            if inner.len() + count > self.capacity {
                return Err(Refused::Full);
            }
            let was_empty = inner.is_empty();
            let start = inner.rest.len();
            inner.rest.extend(packets);
            let bytes = inner.rest[start..]
                .iter()
                .fold(0u32, |n, p| n.saturating_add(weight(p)));
            if !was_empty && inner.bytes.saturating_add(bytes) > self.max_bytes {
                inner.rest.truncate(start);
                return Err(Refused::Full);
            }
            inner.bytes = inner.bytes.saturating_add(bytes);
            inner.closed = close;
            inner.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    /// How many packets wait.
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Moves every waiting packet to `out`; when there is none, waits for one, or for
    /// [`wake`](Self::wake) (then `out` may stay empty).
    ///
    /// Going to wait, it sets `release` when the consumer should give its own buffers back
    /// too, and gives back the queue's (see the module docs).
    pub(crate) fn poll_drain(
        &self,
        cx: &mut Context<'_>,
        out: &mut Drained,
        release: &mut bool,
    ) -> Poll<()> {
        let mut inner = self.lock();
        out.ended = inner.ended;
        if inner.is_empty() || inner.ended {
            if std::mem::take(&mut inner.woken) || inner.ended {
                out.woken = true;
                return Poll::Ready(());
            }
            *release = inner.drains < BUSY_DRAINS;
            if *release || inner.rest.capacity() > KEPT_PACKETS {
                inner.rest = Vec::new();
            }
            match &mut inner.waker {
                Some(w) if w.will_wake(cx.waker()) => {}
                slot => *slot = Some(cx.waker().clone()),
            }
            return Poll::Pending;
        }
        inner.drains = inner.drains.saturating_add(1);
        out.woken |= std::mem::take(&mut inner.woken);
        debug_assert!(out.first.is_none(), "a drain takes all the last one took");
        out.first = inner.first.take();
        inner.bytes = 0;
        if out.rest.is_empty() {
            // The buffers change hands: no packet is moved under the lock, and the queue goes
            // on with the consumer's empty buffer and its room.
            std::mem::swap(&mut out.rest, &mut inner.rest);
        } else {
            out.rest.append(&mut inner.rest);
        }
        Poll::Ready(())
    }

    /// Counts the session as idle again: the next time its consumer waits, buffers are given
    /// back. The heartbeat calls this once per ping.
    pub(crate) fn trim(&self) {
        self.lock().drains = 0;
    }

    /// Waits for packets, then moves every waiting one to `out`, oldest first.
    pub(crate) async fn take_all(&self, out: &mut Vec<Packet>) {
        poll_fn(|cx| {
            let mut inner = self.lock();
            if inner.is_empty() {
                inner.waker = Some(cx.waker().clone());
                return Poll::Pending;
            }
            out.extend(inner.first.take().map(Packet::Framed));
            out.append(&mut inner.rest);
            inner.bytes = 0;
            Poll::Ready(())
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
            inner.ended |= close;
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
    use crate::protocol::Str;

    fn msg(s: &'static str) -> Packet {
        Packet::Message(Str::from_static(s))
    }

    #[test]
    fn bounded_in_bytes_too() {
        let q = SendQueue::new(100, 10);
        let big = || Packet::Message(Str::from("0123456789abcdef"));
        // An empty queue takes a packet larger than the bound, then refuses more.
        q.push(big()).unwrap();
        assert_eq!(q.push(msg("a")), Err(Refused::Full));
        let mut all = Vec::new();
        block_on_ready(q.take_all(&mut all));
        assert_eq!(all.len(), 1);
        // Drained, it takes up to the bound again, all or nothing.
        q.push(msg("12345")).unwrap();
        q.push(msg("1234")).unwrap();
        assert_eq!(
            q.push_all(
                [msg("1"), Packet::Binary(bytes::Bytes::from_static(b"22"))],
                2
            ),
            Err(Refused::Full)
        );
        assert_eq!(q.len(), 2, "nothing of a refused batch stays");
        q.push(msg("1")).unwrap();
        let frame = crate::protocol::Framed::new(Str::from("4x"));
        assert_eq!(q.push_framed(&frame), Err(Refused::Full));
    }

    #[test]
    fn bounded_and_all_or_nothing() {
        let q = SendQueue::new(3, usize::MAX);
        q.push(msg("a")).unwrap();
        assert_eq!(
            q.push_all([msg("b"), msg("c"), msg("d")], 3),
            Err(Refused::Full)
        );
        assert_eq!(q.len(), 1);
        q.push_all([msg("b"), msg("c")], 2).unwrap();
        assert_eq!(q.push(msg("d")), Err(Refused::Full));
        let mut out = Drained::default();
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        assert_eq!(q.poll_drain(&mut cx, &mut out, &mut false), Poll::Ready(()));
        assert_eq!(
            out.drain().collect::<Vec<_>>(),
            [msg("a"), msg("b"), msg("c")]
        );
        assert!(q.is_empty());
        q.push(msg("d")).unwrap();
        let mut all = Vec::new();
        block_on_ready(q.take_all(&mut all));
        assert_eq!(all, [msg("d")]);
    }

    #[test]
    fn nothing_is_taken_after_the_last_packet_or_a_close() {
        let q = SendQueue::new(8, usize::MAX);
        q.push(msg("a")).unwrap();
        q.push_last(Packet::Close).unwrap();
        assert_eq!(q.push(msg("b")), Err(Refused::Closed));
        let mut all = Vec::new();
        block_on_ready(q.take_all(&mut all));
        assert_eq!(all, [msg("a"), Packet::Close]);

        let q = SendQueue::new(8, usize::MAX);
        q.close();
        assert_eq!(q.push(msg("c")), Err(Refused::Closed));
        assert!(q.is_empty());
    }

    /// A consumer waiting in `poll_drain` on another task; gives what it drained.
    fn waiting_consumer(
        q: &std::sync::Arc<SendQueue>,
    ) -> tokio::task::JoinHandle<(Vec<Packet>, bool)> {
        let q = q.clone();
        tokio::spawn(async move {
            let mut out = Drained::default();
            poll_fn(|cx| q.poll_drain(cx, &mut out, &mut false)).await;
            (out.drain().collect(), out.woken)
        })
    }

    /// Runs a future that is ready without waiting.
    fn block_on_ready<F: std::future::Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("the future waits"),
        }
    }

    #[test]
    fn a_shared_frame_into_an_empty_queue_stays_beside_the_lock_and_in_order() {
        // One cache line for the lock and everything a push or a drain touches.
        assert!(std::mem::size_of::<Mutex<Inner>>() <= 64);
        assert_eq!(std::mem::offset_of!(SendQueue, inner), 0);
        let q = SendQueue::new(2, usize::MAX);
        let framed = Framed::new(Str::from_static("42[\"a\"]"));
        q.push_framed(&framed).unwrap();
        assert!(q.lock().rest.is_empty(), "kept inline");
        q.push(msg("b")).unwrap();
        assert_eq!(q.push_framed(&framed), Err(Refused::Full));
        let mut out = Drained::default();
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(q.poll_drain(&mut cx, &mut out, &mut false), Poll::Ready(()));
        assert_eq!(
            out.drain().collect::<Vec<_>>(),
            [Packet::Framed(framed.clone()), msg("b")]
        );
        q.push_framed(&framed).unwrap();
        q.close();
        assert_eq!(q.push_framed(&framed), Err(Refused::Closed));
        // An ended session's consumer is told so, and what is left stays unsent.
        assert_eq!(q.poll_drain(&mut cx, &mut out, &mut false), Poll::Ready(()));
        assert!(out.ended);
        assert_eq!(out.drain().count(), 0);
    }

    #[tokio::test]
    async fn a_push_or_a_wake_releases_the_waiting_consumer() {
        let q = std::sync::Arc::new(SendQueue::new(8, usize::MAX));
        let waiter = waiting_consumer(&q);
        tokio::task::yield_now().await;
        q.push(msg("x")).unwrap();
        assert_eq!(waiter.await.unwrap(), (vec![msg("x")], false));

        let waiter = waiting_consumer(&q);
        tokio::task::yield_now().await;
        q.wake();
        assert_eq!(waiter.await.unwrap(), (vec![], true));
        q.push(msg("y")).unwrap();
        let mut all = Vec::new();
        q.take_all(&mut all).await;
        assert_eq!(all, [msg("y")]);
    }
}
