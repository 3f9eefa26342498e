//! One Engine.IO session: its send queue, its state across an upgrade, its heartbeat and its
//! close. The transports (`transport/`) read and write it; nothing here does I/O itself.

mod heartbeat;
pub(crate) mod queue;

use heartbeat::Beat;
pub(crate) use heartbeat::Heartbeats;

use crate::engineio::config::TransportKind;
use crate::engineio::engine::EngineShared;
use crate::engineio::errors::{CloseReason, SendError};
use crate::engineio::handler::Message;
use crate::engineio::request::RequestInfo;
use crate::protocol::Framed;
use crate::protocol::Sid;
use crate::protocol::Str;
use crate::protocol::engineio::packet::{Packet, ProtocolVersion};
use bytes::Bytes;
use queue::{Refused, SendQueue};
use std::any::Any;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock, Weak};
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Where a polling session stands in an upgrade to WebSocket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Upgrade {
    /// No WebSocket is attached.
    None,
    /// A WebSocket is attached and has not sent `2probe` yet.
    Attached,
    /// The probe was answered: pending and new polls are released with a `noop`.
    Probed,
    /// The WebSocket carries the session.
    Done,
}

#[derive(Debug)]
struct State {
    transport: TransportKind,
    upgrade: Upgrade,
}

/// A client's Engine.IO session, shared by its transports and by the application.
///
/// Sending never waits: a message goes into the session's bounded queue and the active transport
/// writes it (a WebSocket at once, long-polling on the client's next `GET`).
pub struct EngineSocket {
    id: Sid,
    protocol: ProtocolVersion,
    /// A v3 client that takes binary only as base64.
    b64: bool,
    request: Arc<RequestInfo>,
    pub(crate) queue: SendQueue,
    /// Held by whichever transport is writing the queue: the pending poll, or the WebSocket.
    pub(crate) consumer: Arc<tokio::sync::Mutex<()>>,
    state: Mutex<State>,
    /// Set by a server-side [`close`](Self::close): no more sends, the queue drains, then closes.
    closing: AtomicBool,
    /// The server's close was reached behind other packets in a poll: the next poll carries it.
    pub(crate) close_pending: AtomicBool,
    /// A POST is being read (a second one at once is an error).
    pub(crate) posting: AtomicBool,
    /// The heartbeat's deadline in force; `None` until the engine starts it.
    beat: Mutex<Option<Beat>>,
    /// Woken when the upgrade is probed, to release the pending poll.
    pub(crate) probed: Notify,
    closed: CancellationToken,
    close_reason: OnceLock<CloseReason>,
    /// The reason a server-side close ends the session with, once the client has it.
    closing_reason: OnceLock<CloseReason>,
    engine: Weak<EngineShared>,
    /// What the handler keeps for this session ([`set_state`](Self::set_state)).
    handler_state: RwLock<Option<Arc<dyn Any + Send + Sync>>>,
}

impl fmt::Debug for EngineSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineSocket")
            .field("id", &self.id)
            .field("protocol", &self.protocol)
            .field("transport", &self.transport())
            .field("close_reason", &self.close_reason.get())
            .finish_non_exhaustive()
    }
}

impl EngineSocket {
    pub(crate) fn new(
        id: Sid,
        protocol: ProtocolVersion,
        b64: bool,
        transport: TransportKind,
        request: Arc<RequestInfo>,
        (max_packets, max_bytes): (usize, usize),
        engine: Weak<EngineShared>,
    ) -> Arc<Self> {
        Arc::new(EngineSocket {
            id,
            protocol,
            b64,
            request,
            queue: SendQueue::new(max_packets, max_bytes),
            consumer: Arc::default(),
            state: Mutex::new(State {
                transport,
                upgrade: Upgrade::None,
            }),
            closing: AtomicBool::new(false),
            close_pending: AtomicBool::new(false),
            posting: AtomicBool::new(false),
            beat: Mutex::new(None),
            probed: Notify::new(),
            closed: CancellationToken::new(),
            close_reason: OnceLock::new(),
            closing_reason: OnceLock::new(),
            engine,
            handler_state: RwLock::new(None),
        })
    }

    /// The session id (`sid`).
    pub fn id(&self) -> Sid {
        self.id
    }

    /// The protocol revision the client speaks.
    pub fn protocol(&self) -> ProtocolVersion {
        self.protocol
    }

    /// Whether the client takes binary only as base64 (v3 `b64=1`).
    pub fn b64(&self) -> bool {
        self.b64
    }

    /// The request that opened the session.
    pub fn request(&self) -> &Arc<RequestInfo> {
        &self.request
    }

    /// The transport carrying the session now.
    pub fn transport(&self) -> TransportKind {
        self.state.lock().expect("state lock").transport
    }

    /// Whether the session is closed (or closing on the server's request).
    pub fn is_closed(&self) -> bool {
        self.is_terminated() || self.closing.load(Ordering::Acquire)
    }

    /// Whether the session has ended (a server-side close still draining its queue has not).
    /// Read on every send: the reason's cell is one atomic load, where the cancellation token
    /// takes a lock (the reason is set just before the token is cancelled).
    pub(crate) fn is_terminated(&self) -> bool {
        self.close_reason.get().is_some()
    }

    /// Why the session closed, once it has.
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.close_reason.get().copied()
    }

    /// Queues a message for the client.
    ///
    /// Fails with [`SendError::Closed`] once the session closes or is closing, and with
    /// [`SendError::QueueFull`] when `max_buffered_packets` messages, or `max_buffered_bytes`
    /// bytes, already wait for a client that does not read them.
    pub fn send(&self, message: Message) -> Result<(), SendError> {
        let packet = match message {
            Message::Text(text) => Packet::Message(text),
            Message::Binary(data) => Packet::Binary(data),
        };
        self.send_packet(packet)
    }

    /// Queues a text message and the binary messages that go with it (a Socket.IO packet and
    /// its attachments): all of them, in order with nothing between them, or none.
    pub fn send_with_binaries(&self, text: Str, binaries: &[Bytes]) -> Result<(), SendError> {
        self.send_many(Packet::Message(text), binaries)
    }

    /// Like [`send_with_binaries`](Self::send_with_binaries), with the text message already in
    /// its Engine.IO text form (`4` first): encoded once, it is written as is to every session
    /// it is sent to.
    pub fn send_framed_with_binaries(
        &self,
        frame: Framed,
        binaries: &[Bytes],
    ) -> Result<(), SendError> {
        self.send_shared(&frame, binaries)
    }

    /// [`send_framed_with_binaries`](Self::send_framed_with_binaries) by reference: what a
    /// broadcast calls for each receiver. A frame without attachments that finds the queue
    /// empty is kept beside its lock.
    pub(crate) fn send_shared(&self, frame: &Framed, binaries: &[Bytes]) -> Result<(), SendError> {
        if binaries.is_empty() {
            return self.queue.push_framed(frame).map_err(send_error);
        }
        self.send_many(Packet::Framed(frame.clone()), binaries)
    }

    fn send_many(&self, first: Packet, binaries: &[Bytes]) -> Result<(), SendError> {
        // The queue knows whether the session is closed or closing: one lock, one cache line
        // per receiver of a broadcast.
        let rest = binaries.iter().map(|data| Packet::Binary(data.clone()));
        self.queue
            .push_all(std::iter::once(first).chain(rest), 1 + binaries.len())
            .map_err(send_error)
    }

    /// How many packets wait in the send queue.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    pub(crate) fn send_packet(&self, packet: Packet) -> Result<(), SendError> {
        self.queue.push(packet).map_err(send_error)
    }

    /// Closes the session from the server: the messages already queued are delivered first,
    /// then the client is told to close (reason `forced close`).
    pub fn close(self: &Arc<Self>) {
        self.close_as(CloseReason::ForcedClose);
    }

    /// [`close`](Self::close), ending the session with `reason` once the client has the close.
    pub(crate) fn close_as(self: &Arc<Self>, reason: CloseReason) {
        if self.is_terminated() || self.closing.swap(true, Ordering::AcqRel) {
            return;
        }
        let _ = self.closing_reason.set(reason);
        if self.queue.push_last(Packet::Close).is_err() {
            self.terminate(reason);
            return;
        }
        // A polling client collects the close on its next GET; one that never comes back is let
        // go after `close_timeout`, as the reference does.
        let timeout = self
            .engine
            .upgrade()
            .map_or(Duration::ZERO, |e| e.config.close_timeout);
        let socket = self.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = tokio::time::sleep(timeout) => socket.terminate(reason),
                _ = socket.closed.cancelled() => {}
            }
        });
    }

    /// The reason of the server's close in progress: the session ends with it once the
    /// client has the close.
    pub(crate) fn closing_reason(&self) -> CloseReason {
        self.closing_reason
            .get()
            .copied()
            .unwrap_or(CloseReason::ForcedClose)
    }

    /// Ends the session now, with `reason`. The first call wins; the handler hears of it once.
    pub(crate) fn terminate(self: &Arc<Self>, reason: CloseReason) {
        if self.close_reason.set(reason).is_err() {
            return;
        }
        tracing::debug!(sid = %self.id, %reason, "session closed");
        crate::metrics::session_closed();
        self.closed.cancel();
        // The transport writing the queue waits on it, not on the token.
        self.queue.close();
        if let Some(engine) = self.engine.upgrade() {
            engine.remove(self.id);
            engine.handler.on_disconnect(self, reason);
        }
        // It may hold this session (a cycle): the session is over, so is its state.
        self.handler_state
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .take();
    }

    /// Keeps `state` on the session for its [`EngineHandler`](crate::engineio::EngineHandler):
    /// the handler's per-session data (Socket.IO's client), found again on every message with
    /// [`state`](Self::state) rather than looked up in a table of its own. It is dropped when
    /// the session closes, after `on_disconnect`; setting it again replaces it.
    ///
    /// ```
    /// use socketry::engineio::{EngineHandler, EngineSocket, Message};
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// /// Counts each session's messages.
    /// struct Counter;
    ///
    /// impl EngineHandler for Counter {
    ///     fn on_connect(&self, socket: &Arc<EngineSocket>) {
    ///         socket.set_state(Arc::new(AtomicUsize::new(0)));
    ///     }
    ///     fn on_message(&self, socket: &Arc<EngineSocket>, _message: Message) {
    ///         if let Some(count) = socket.state::<AtomicUsize>() {
    ///             count.fetch_add(1, Ordering::Relaxed);
    ///         }
    ///     }
    /// }
    /// ```
    pub fn set_state<T: Any + Send + Sync>(&self, state: Arc<T>) {
        let mut slot = self
            .handler_state
            .write()
            .unwrap_or_else(|e| e.into_inner());
        // Checked under the lock `terminate` takes after setting its reason: a state set as
        // the session closes is dropped by one or the other.
        *slot = (!self.is_terminated()).then_some(state as Arc<dyn Any + Send + Sync>);
    }

    /// The state kept by [`set_state`](Self::set_state), if it is a `T` and the session is
    /// still open.
    pub fn state<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        let state = self
            .handler_state
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()?;
        state.downcast().ok()
    }

    /// Refuses packets from now on, and closes the session with `reason` once the caller's
    /// locks are released: on the runtime, or on a thread of its own outside one.
    pub(crate) fn terminate_soon(self: &Arc<Self>, reason: CloseReason) {
        // Later packets are refused as `Closed`, without a warning each.
        self.queue.close();
        let socket = self.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move { socket.terminate(reason) });
            }
            Err(_) => {
                std::thread::spawn(move || socket.terminate(reason));
            }
        }
    }

    /// Resolves when the session is closed.
    pub(crate) async fn closed(&self) {
        self.closed.cancelled().await
    }

    /// Handles one packet from the client.
    pub(crate) fn on_packet(self: &Arc<Self>, packet: Packet) {
        if self.is_terminated() {
            return;
        }
        match packet {
            Packet::Pong if self.protocol == ProtocolVersion::V4 => self.heard_heartbeat(),
            Packet::Ping if self.protocol == ProtocolVersion::V3 => {
                self.heard_heartbeat();
                let _ = self.send_packet(Packet::Pong);
            }
            // In v4 only the server pings (a `2probe` outside an upgrade is a ping too).
            Packet::Ping | Packet::PingProbe | Packet::Pong => {
                tracing::debug!(sid = %self.id, "invalid heartbeat direction");
                self.terminate(CloseReason::TransportError);
            }
            Packet::Message(text) => self.deliver(Message::Text(text)),
            Packet::Binary(data) => self.deliver(Message::Binary(data)),
            Packet::Close => self.terminate(CloseReason::TransportClose),
            // Meaningless on an established transport; the reference ignores them too.
            Packet::Open(_)
            | Packet::PongProbe
            | Packet::Upgrade
            | Packet::Noop
            | Packet::Framed(_) => {}
        }
    }

    fn deliver(self: &Arc<Self>, message: Message) {
        if let Some(engine) = self.engine.upgrade() {
            engine.handler.on_message(self, message);
        }
    }

    pub(crate) fn upgrade_state(&self) -> Upgrade {
        self.state.lock().expect("state lock").upgrade
    }

    /// Attaches a WebSocket for an upgrade; false when the session cannot take one now.
    pub(crate) fn begin_upgrade(&self) -> bool {
        let mut st = self.state.lock().expect("state lock");
        if st.transport != TransportKind::Polling || st.upgrade != Upgrade::None {
            return false;
        }
        st.upgrade = Upgrade::Attached;
        true
    }

    pub(crate) fn mark_probed(&self) {
        self.state.lock().expect("state lock").upgrade = Upgrade::Probed;
        self.probed.notify_waiters();
    }

    /// The upgrade failed: the session stays on polling and may try again.
    pub(crate) fn abort_upgrade(&self) {
        let mut st = self.state.lock().expect("state lock");
        if st.upgrade != Upgrade::Done {
            st.upgrade = Upgrade::None;
        }
    }

    pub(crate) fn finish_upgrade(&self) {
        let mut st = self.state.lock().expect("state lock");
        st.upgrade = Upgrade::Done;
        st.transport = TransportKind::WebSocket;
    }
}

/// Closes the session with `transport error` if dropped armed: an HTTP request the client
/// abandoned halfway (the reference's "poll connection closed prematurely").
pub(crate) struct AbortGuard<'a> {
    socket: Option<&'a Arc<EngineSocket>>,
}

impl<'a> AbortGuard<'a> {
    pub(crate) fn new(socket: &'a Arc<EngineSocket>) -> Self {
        AbortGuard {
            socket: Some(socket),
        }
    }
    pub(crate) fn disarm(mut self) {
        self.socket = None;
    }
}

impl Drop for AbortGuard<'_> {
    fn drop(&mut self) {
        if let Some(socket) = self.socket {
            tracing::debug!(sid = %socket.id, "request closed prematurely");
            socket.terminate(CloseReason::TransportError);
        }
    }
}

fn send_error(refused: Refused) -> SendError {
    match refused {
        Refused::Full => SendError::QueueFull,
        Refused::Closed => SendError::Closed,
    }
}
