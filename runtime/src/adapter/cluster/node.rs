//! [`ClusterAdapter`]: the protocol of the reference's `ClusterAdapter` over any
//! [`ClusterTransport`]. Rooms are this node's (an in-memory adapter); what concerns the other
//! nodes is published: broadcasts, sockets join/leave and disconnections in the ordered log,
//! requests (broadcasts with acknowledgements, fetches, server-side emits) as ephemeral
//! messages, answered one node at a time.

use super::message::{ClusterMessage, MessageType, encode_options};
use super::packet_wire::{packet_to_value, random_id};
use super::recovery::{RecoveryState, deliver_logged};
use super::transport::ClusterTransport;
use crate::adapter::{
    AckFailure, AckOutcome, AckResponse, Adapter, AdapterError, BoxFuture, BroadcastOptions,
    LocalNamespace, MemoryAdapter, PersistedSession, RestoredSession, Room, SocketInfo,
};
use crate::protocol::socketio::{Args, EncodedPacket, Value};
use crate::protocol::{SocketId, Str};
use indexmap::IndexMap;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// What answers to one of this node's requests, as they come.
pub(super) enum Answer {
    /// A node's BROADCAST_CLIENT_COUNT.
    ClientCount(usize),
    /// One client's BROADCAST_ACK, or one node's SERVER_SIDE_EMIT_RESPONSE.
    Value(Value),
    /// A node's FETCH_SOCKETS_RESPONSE.
    Sockets(Vec<SocketInfo>),
}

/// Something to send, in the order it was decided: a log message may carry the local delivery
/// that waits for its offset.
pub(super) enum Outgoing {
    Log {
        message: ClusterMessage,
        then_deliver: Option<(EncodedPacket, BroadcastOptions)>,
    },
    Ephemeral(ClusterMessage),
    Response {
        to: String,
        message: ClusterMessage,
    },
    /// A recovery session to store.
    Persist {
        pid: String,
        session: Value,
        ttl: Duration,
    },
    /// Told once everything queued before it was sent.
    Flushed(tokio::sync::oneshot::Sender<()>),
}

/// What the adapter and its sending task share.
pub(super) struct Shared {
    pub(super) uid: String,
    pub(super) nsp: Arc<dyn LocalNamespace>,
    pub(super) local: MemoryAdapter,
    pub(super) transport: Arc<dyn ClusterTransport>,
    /// Whether connection state recovery is on: events then carry their log offset.
    pub(super) recovery: bool,
    pub(super) requests: Mutex<HashMap<String, mpsc::UnboundedSender<Answer>>>,
    pub(super) request_timeout: Duration,
    pub(super) outbox: mpsc::UnboundedSender<Outgoing>,
    pub(super) recovered: RecoveryState,
}

/// A namespace's adapter in a cluster: the reference's `ClusterAdapter`, over a
/// [`ClusterTransport`]. Clones are the same adapter.
#[derive(Clone)]
pub struct ClusterAdapter {
    pub(super) shared: Arc<Shared>,
}

impl fmt::Debug for ClusterAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterAdapter")
            .field("uid", &self.shared.uid)
            .field("nsp", &self.shared.nsp.name())
            .finish_non_exhaustive()
    }
}

/// A [`ClusterAdapter`] that does not keep it alive: what a transport routing incoming
/// messages to it holds.
#[derive(Clone)]
pub struct WeakClusterAdapter(std::sync::Weak<Shared>);

impl fmt::Debug for WeakClusterAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WeakClusterAdapter")
    }
}

impl WeakClusterAdapter {
    /// The adapter, if it still exists.
    pub fn upgrade(&self) -> Option<ClusterAdapter> {
        self.0.upgrade().map(|shared| ClusterAdapter { shared })
    }
}

impl ClusterAdapter {
    /// A handle that does not keep the adapter alive.
    pub fn downgrade(&self) -> WeakClusterAdapter {
        WeakClusterAdapter(Arc::downgrade(&self.shared))
    }

    /// The adapter of namespace `nsp`, sending through `transport`. Requests to the other
    /// nodes wait at most `request_timeout` for their answers (fetches and server-side emits;
    /// a broadcast with acknowledgements waits its own timeout). Needs a tokio runtime.
    pub fn new(
        nsp: Arc<dyn LocalNamespace>,
        transport: Arc<dyn ClusterTransport>,
        request_timeout: Duration,
    ) -> Self {
        Self::with_uid(random_id(), nsp, transport, request_timeout)
    }

    /// [`new`](Self::new) with a chosen uid (the transport may need it before the adapter).
    pub fn with_uid(
        uid: String,
        nsp: Arc<dyn LocalNamespace>,
        transport: Arc<dyn ClusterTransport>,
        request_timeout: Duration,
    ) -> Self {
        let (outbox, queue) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            uid,
            recovery: nsp.connection_state_recovery().is_some(),
            local: MemoryAdapter::without_recovery(nsp.clone()),
            nsp,
            transport,
            requests: Mutex::default(),
            request_timeout,
            outbox,
            recovered: RecoveryState::default(),
        });
        tokio::spawn(send_in_order(Arc::downgrade(&shared), queue));
        if shared.recovery {
            // Where sessions begin until this node sees an entry: the log's newest.
            let weak = Arc::downgrade(&shared);
            let newest = shared.transport.last_offset();
            tokio::spawn(async move {
                if let (Ok(Some(offset)), Some(shared)) = (newest.await, weak.upgrade()) {
                    let mut newest = shared.recovered.newest.lock().expect("newest lock");
                    newest.get_or_insert(offset);
                }
            });
        }
        ClusterAdapter { shared }
    }

    /// This adapter's id among the nodes (16 hex characters).
    pub fn uid(&self) -> &str {
        &self.shared.uid
    }

    fn message(&self, kind: MessageType, data: Value) -> ClusterMessage {
        ClusterMessage::new(&self.shared.uid, self.shared.nsp.name(), kind, data)
    }

    pub(super) fn send(&self, outgoing: Outgoing) {
        let _ = self.shared.outbox.send(outgoing);
    }

    /// A request to the other nodes: its id, and where their answers arrive.
    fn request(&self) -> (String, mpsc::UnboundedReceiver<Answer>) {
        let id = random_id();
        let (tx, rx) = mpsc::unbounded_channel();
        self.shared
            .requests
            .lock()
            .expect("requests lock")
            .insert(id.clone(), tx);
        (id, rx)
    }
}

/// The map `entries` describe.
pub(super) fn object(entries: Vec<(&str, Value)>) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect::<IndexMap<_, _>>(),
    )
}

pub(super) fn texts(items: &[Room]) -> Value {
    Value::Array(items.iter().map(|r| Value::from(&**r)).collect())
}

/// Sends what the adapter decided, one message after the other, so that the other nodes see
/// this node's broadcasts in the order they were made; delivers locally what waited for its
/// offset.
async fn send_in_order(
    shared: std::sync::Weak<Shared>,
    mut queue: mpsc::UnboundedReceiver<Outgoing>,
) {
    while let Some(outgoing) = queue.recv().await {
        let Some(shared) = shared.upgrade() else {
            return;
        };
        match outgoing {
            Outgoing::Log {
                message,
                then_deliver,
            } => {
                let published = shared.transport.publish(message).await;
                if let Err(e) = &published {
                    tracing::warn!(nsp = shared.nsp.name(), error = %e, "a cluster message was not published");
                    crate::metrics::adapter_error(shared.nsp.name());
                }
                let offset = published.ok().flatten();
                match then_deliver {
                    // Delivered here even when publishing failed: this node's clients do not
                    // depend on the cluster being reachable.
                    Some((packet, opts)) => {
                        let packet = match &offset {
                            Some(offset) => packet.with_offset(offset),
                            None => packet,
                        };
                        deliver_logged(&shared, offset.as_deref(), &packet, &opts);
                    }
                    None => {
                        if let (true, Some(offset)) = (shared.recovery, &offset) {
                            shared.recovered.saw_offset(offset);
                        }
                    }
                }
            }
            Outgoing::Ephemeral(message) => {
                if let Err(e) = shared.transport.publish_ephemeral(message).await {
                    tracing::warn!(nsp = shared.nsp.name(), error = %e, "a cluster request was not sent");
                    crate::metrics::adapter_error(shared.nsp.name());
                }
            }
            Outgoing::Response { to, message } => {
                if let Err(e) = shared.transport.publish_response(&to, message).await {
                    tracing::warn!(nsp = shared.nsp.name(), error = %e, "a cluster response was not sent");
                    crate::metrics::adapter_error(shared.nsp.name());
                }
            }
            Outgoing::Persist { pid, session, ttl } => {
                if let Err(e) = shared.transport.persist_session(&pid, session, ttl).await {
                    tracing::warn!(nsp = shared.nsp.name(), error = %e, "a recovery session was not stored");
                    crate::metrics::adapter_error(shared.nsp.name());
                }
            }
            Outgoing::Flushed(done) => {
                let _ = done.send(());
            }
        }
    }
}

/// What completes a request.
#[derive(Clone, Copy)]
enum Expect {
    /// A broadcast with acknowledgements: every node's client count, then as many answers.
    Acks,
    /// A fetch: every node's sockets.
    Sockets,
    /// A server-side emit with acknowledgement: every node's answer.
    Answers,
}

/// Waits for the answers of every other node (as many as the transport counts) until they
/// are all in or `timeout` has passed. Returns the answers, how many nodes were expected, and
/// whether every answer came.
async fn collect(
    shared: &Shared,
    mut answers: mpsc::UnboundedReceiver<Answer>,
    timeout: Duration,
    expect: Expect,
) -> (Vec<Answer>, usize, bool) {
    let deadline = tokio::time::Instant::now() + timeout;
    let nodes = match tokio::time::timeout_at(deadline, shared.transport.server_count()).await {
        Ok(Ok(n)) => n.saturating_sub(1),
        Ok(Err(e)) => {
            tracing::warn!(nsp = shared.nsp.name(), error = %e, "the server count is unknown");
            crate::metrics::adapter_error(shared.nsp.name());
            0
        }
        Err(_) => 0,
    };
    let mut got = Vec::new();
    let (mut counts, mut clients, mut values, mut sockets) = (0usize, 0usize, 0usize, 0usize);
    loop {
        let complete = match expect {
            Expect::Acks => counts >= nodes && values >= clients,
            Expect::Sockets => sockets >= nodes,
            Expect::Answers => values >= nodes,
        };
        if complete {
            return (got, nodes, true);
        }
        match tokio::time::timeout_at(deadline, answers.recv()).await {
            Ok(Some(answer)) => {
                match &answer {
                    Answer::ClientCount(n) => {
                        counts += 1;
                        clients += n;
                    }
                    Answer::Sockets(_) => sockets += 1,
                    Answer::Value(_) => values += 1,
                }
                got.push(answer);
            }
            _ => return (got, nodes, false),
        }
    }
}

impl Adapter for ClusterAdapter {
    fn add_all(&self, id: &SocketId, rooms: &[Room]) {
        self.shared.local.add_all(id, rooms)
    }

    fn del(&self, id: &SocketId, room: &Room) {
        self.shared.local.del(id, room)
    }

    fn del_all(&self, id: &SocketId) {
        self.shared.local.del_all(id)
    }

    fn socket_rooms(&self, id: &SocketId) -> HashSet<Room> {
        self.shared.local.socket_rooms(id)
    }

    fn rooms(&self) -> HashSet<Room> {
        self.shared.local.rooms()
    }

    fn room_size(&self, room: &Room) -> usize {
        self.shared.local.room_size(room)
    }

    fn room_sizes(&self) -> HashMap<Room, usize> {
        self.shared.local.room_sizes()
    }

    fn local_sockets(&self, opts: &BroadcastOptions) -> Vec<SocketId> {
        self.shared.local.local_sockets(opts)
    }

    fn broadcast(&self, packet: &EncodedPacket, opts: &BroadcastOptions) {
        let local = &self.shared.local;
        if opts.flags.local {
            return local.broadcast(packet, opts);
        }
        let Some(value) = packet_to_value(packet) else {
            return local.broadcast(packet, opts);
        };
        let message = self.message(
            MessageType::Broadcast,
            object(vec![
                ("packet", value),
                ("opts", encode_options(opts, None)),
            ]),
        );
        if self.shared.recovery && packet.recoverable {
            // Delivered once the log gave the packet its offset, the same on every node.
            self.send(Outgoing::Log {
                message,
                then_deliver: Some((packet.clone(), opts.clone())),
            });
        } else {
            local.broadcast(packet, opts);
            self.send(Outgoing::Log {
                message,
                then_deliver: None,
            });
        }
    }

    fn broadcast_with_ack(
        &self,
        packet: &EncodedPacket,
        ack_id: u64,
        opts: &BroadcastOptions,
        timeout: Duration,
    ) -> BoxFuture<AckOutcome> {
        let local = self
            .shared
            .local
            .broadcast_with_ack(packet, ack_id, opts, timeout);
        let value = match packet_to_value(packet) {
            Some(value) if !opts.flags.local => value,
            _ => return local,
        };
        let (request_id, answers) = self.request();
        let ms = timeout.as_millis() as u64;
        self.send(Outgoing::Ephemeral(self.message(
            MessageType::Broadcast,
            object(vec![
                ("packet", value),
                ("requestId", Value::from(request_id.as_str())),
                ("opts", encode_options(opts, Some(ms))),
            ]),
        )));
        let shared = self.shared.clone();
        Box::pin(async move {
            let remote = collect(&shared, answers, timeout, Expect::Acks);
            let (mut outcome, (got, _, _)) = futures_util::future::join(local, remote).await;
            shared
                .requests
                .lock()
                .expect("requests lock")
                .remove(&request_id);
            let mut clients = 0;
            let mut answered = 0;
            for answer in got {
                match answer {
                    Answer::ClientCount(n) => clients += n,
                    Answer::Value(v) => {
                        answered += 1;
                        outcome.responses.push(AckResponse {
                            socket: None,
                            answer: Ok(std::iter::once(v).collect()),
                        });
                    }
                    Answer::Sockets(_) => {}
                }
            }
            // The clients of other nodes that did not answer in time.
            for _ in answered..clients {
                outcome.responses.push(AckResponse {
                    socket: None,
                    answer: Err(AckFailure::Timeout),
                });
            }
            outcome.clients += clients;
            outcome
        })
    }

    fn fetch_sockets(&self, opts: &BroadcastOptions) -> BoxFuture<Vec<SocketInfo>> {
        let local = self.shared.nsp.describe(&self.local_sockets(opts));
        if opts.flags.local {
            return Box::pin(std::future::ready(local));
        }
        let (request_id, answers) = self.request();
        let message = self.message(
            MessageType::FetchSockets,
            object(vec![
                ("opts", encode_options(opts, None)),
                ("requestId", Value::from(request_id.as_str())),
            ]),
        );
        self.send(Outgoing::Ephemeral(message));
        let shared = self.shared.clone();
        Box::pin(async move {
            let (got, nodes, complete) =
                collect(&shared, answers, shared.request_timeout, Expect::Sockets).await;
            shared
                .requests
                .lock()
                .expect("requests lock")
                .remove(&request_id);
            if !complete {
                let answered = got
                    .iter()
                    .filter(|a| matches!(a, Answer::Sockets(_)))
                    .count();
                tracing::warn!(
                    nsp = shared.nsp.name(),
                    "fetch_sockets: only {answered} of {nodes} other nodes answered in time"
                );
            }
            let mut sockets = local;
            for answer in got {
                if let Answer::Sockets(remote) = answer {
                    sockets.extend(remote);
                }
            }
            sockets
        })
    }

    fn add_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        self.shared.local.add_sockets(opts, rooms);
        self.publish_selection(MessageType::SocketsJoin, opts, ("rooms", texts(rooms)));
    }

    fn del_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        self.shared.local.del_sockets(opts, rooms);
        self.publish_selection(MessageType::SocketsLeave, opts, ("rooms", texts(rooms)));
    }

    fn disconnect_sockets(&self, opts: &BroadcastOptions, close: bool) {
        self.shared.local.disconnect_sockets(opts, close);
        self.publish_selection(
            MessageType::DisconnectSockets,
            opts,
            ("close", Value::Bool(close)),
        );
    }

    fn server_side_emit(&self, data: Args) -> Result<(), AdapterError> {
        let message = self.message(
            MessageType::ServerSideEmit,
            object(vec![("packet", Value::Array(data.iter().collect()))]),
        );
        self.send(Outgoing::Ephemeral(message));
        Ok(())
    }

    fn server_side_emit_with_ack(
        &self,
        data: Args,
        timeout: Duration,
    ) -> BoxFuture<Result<Vec<Args>, AdapterError>> {
        let (request_id, answers) = self.request();
        let message = self.message(
            MessageType::ServerSideEmit,
            object(vec![
                ("requestId", Value::from(request_id.as_str())),
                ("packet", Value::Array(data.iter().collect())),
            ]),
        );
        self.send(Outgoing::Ephemeral(message));
        let shared = self.shared.clone();
        Box::pin(async move {
            let (got, _, complete) = collect(&shared, answers, timeout, Expect::Answers).await;
            shared
                .requests
                .lock()
                .expect("requests lock")
                .remove(&request_id);
            if !complete {
                return Err(AdapterError::Timeout);
            }
            Ok(got
                .into_iter()
                .filter_map(|a| match a {
                    Answer::Value(v) => Some(std::iter::once(v).collect()),
                    _ => None,
                })
                .collect())
        })
    }

    fn join_new(&self, sid: &SocketId, attach: &mut dyn FnMut()) -> Option<Str> {
        attach();
        self.shared.local.add_all(sid, std::slice::from_ref(sid));
        self.shared.recovery.then(|| self.begin()).flatten()
    }

    fn persist_session(&self, session: PersistedSession) {
        self.persist(session)
    }

    fn flush(&self) -> BoxFuture<()> {
        let (done, flushed) = tokio::sync::oneshot::channel();
        self.send(Outgoing::Flushed(done));
        Box::pin(async move {
            let _ = flushed.await;
        })
    }

    fn restore_session(
        &self,
        pid: &str,
        offset: Option<&str>,
    ) -> BoxFuture<Option<RestoredSession>> {
        if !self.shared.recovery {
            return Box::pin(std::future::ready(None));
        }
        self.restore(pid, offset)
    }

    fn join_restored(
        &self,
        sid: &SocketId,
        rooms: &[Room],
        _resume_after: &str,
        attach: &mut dyn FnMut(),
    ) {
        self.join(sid, rooms, attach)
    }

    fn server_count(&self) -> BoxFuture<usize> {
        let shared = self.shared.clone();
        Box::pin(async move {
            match shared.transport.server_count().await {
                Ok(n) => n.max(1),
                Err(e) => {
                    tracing::warn!(nsp = shared.nsp.name(), error = %e, "the server count is unknown");
                    crate::metrics::adapter_error(shared.nsp.name());
                    1
                }
            }
        })
    }
}

impl ClusterAdapter {
    /// Publishes an operation on the selected sockets to the log, unless it is this node's only.
    fn publish_selection(&self, kind: MessageType, opts: &BroadcastOptions, extra: (&str, Value)) {
        if opts.flags.local {
            return;
        }
        let message = self.message(
            kind,
            object(vec![("opts", encode_options(opts, None)), extra]),
        );
        self.send(Outgoing::Log {
            message,
            then_deliver: None,
        });
    }

    pub(super) fn respond(&self, to: &str, kind: MessageType, data: Value) {
        let message = self.message(kind, data);
        self.send(Outgoing::Response {
            to: to.to_owned(),
            message,
        });
    }

    pub(super) fn name(&self) -> Str {
        Str::from(self.shared.nsp.name())
    }
}
