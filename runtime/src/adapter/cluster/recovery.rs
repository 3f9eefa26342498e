//! Connection state recovery across nodes: sessions kept by the transport (serialized, for
//! `max_disconnection_duration`), offsets that are log offsets (the same on every node), and a
//! restore that replays every missed packet once, in log order, in bounded reads.
//!
//! The guarantees of the in-memory log hold across nodes: a client that received no event is
//! resumed from where its session began; a volatile event carries an offset but is never
//! replayed; an offset resumes only a session it was sent to (from after the session began, on
//! an entry that selected the session's rooms); a stale offset presented again by a fresh
//! session's client means "nothing received yet".
//!
//! A packet logged while a session is being restored reaches it once: every delivery of a
//! logged packet on this node happens under one lock, which also keeps, for each session being
//! restored, the packets delivered meanwhile that its rooms select; the restore merges them
//! with what it read from the log, by offset.

use super::message::{ClusterMessage, MessageType, decode_options};
use super::node::{ClusterAdapter, Shared};
use super::packet_wire::packet_from_value;
use super::socket_wire::{session_from_value, session_to_value};
use crate::adapter::{BoxFuture, BroadcastOptions, PersistedSession, RestoredSession, Room};
use crate::protocol::socketio::EncodedPacket;
use crate::protocol::{SocketId, Str};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How many entries one read of the log takes while restoring.
const READ_BATCH: usize = 100;

/// How long a restore may take between reading the log and admitting the socket before its
/// registration is dropped (the client went away, or a middleware refused it).
const RESTORE_PATIENCE: Duration = Duration::from_secs(60);

/// A log offset as the Redis stream writes it, `<ms>-<seq>`, ordered as the stream is.
pub(super) fn offset_key(offset: &str) -> Option<(u64, u64)> {
    let (ms, seq) = offset.split_once('-')?;
    Some((ms.parse().ok()?, seq.parse().ok()?))
}

/// Whether a broadcast with `opts` reaches a socket in `rooms`.
fn selects(opts: &BroadcastOptions, rooms: &[Room]) -> bool {
    let member = |list: &[Room]| list.iter().any(|r| rooms.contains(r));
    (opts.rooms.is_empty() || member(&opts.rooms)) && !member(&opts.except)
}

/// A session being restored on this node.
pub(super) struct Restoring {
    rooms: Vec<Room>,
    /// What the log read gave.
    replay: Vec<((u64, u64), EncodedPacket)>,
    /// Logged packets delivered on this node meanwhile that its rooms select.
    live: Vec<((u64, u64), EncodedPacket)>,
    began: Instant,
}

/// What the adapter keeps for recovery.
#[derive(Default)]
pub(super) struct RecoveryState {
    /// The sessions being restored; its lock is held by every delivery of a logged packet.
    pub(super) restoring: std::sync::Mutex<HashMap<SocketId, Restoring>>,
    /// The newest log offset this node has seen: where a new session begins.
    pub(super) newest: std::sync::Mutex<Option<String>>,
}

impl RecoveryState {
    pub(super) fn saw_offset(&self, offset: &str) {
        let mut newest = self.newest.lock().expect("newest lock");
        if newest.as_deref().and_then(offset_key) < offset_key(offset) {
            *newest = Some(offset.to_owned());
        }
    }
}

/// Delivers a logged packet (carrying `offset`, when the log gave one) to this node's
/// sockets that `opts` selects, keeping it for the sessions being restored.
pub(super) fn deliver_logged(
    shared: &Shared,
    offset: Option<&str>,
    packet: &EncodedPacket,
    opts: &BroadcastOptions,
) {
    if !shared.recovery {
        return crate::adapter::Adapter::broadcast(&shared.local, packet, opts);
    }
    let mut restoring = shared.recovered.restoring.lock().expect("restoring lock");
    crate::adapter::Adapter::broadcast(&shared.local, packet, opts);
    let Some(offset) = offset else { return };
    shared.recovered.saw_offset(offset);
    let (Some(key), false) = (offset_key(offset), restoring.is_empty()) else {
        return;
    };
    for session in restoring.values_mut() {
        if selects(opts, &session.rooms) {
            session.live.push((key, packet.clone()));
        }
    }
}

impl ClusterAdapter {
    pub(super) fn persist(&self, session: PersistedSession) {
        let Some(config) = self.shared.nsp.connection_state_recovery() else {
            return;
        };
        // Queued with the broadcasts, so that a flush at shutdown waits for it too.
        self.send(super::node::Outgoing::Persist {
            pid: session.pid.to_string(),
            session: session_to_value(&session),
            ttl: config.max_disconnection_duration,
        });
    }

    pub(super) fn begin(&self) -> Option<Str> {
        let newest = self.shared.recovered.newest.lock().expect("newest lock");
        newest.as_deref().map(Str::from).or_else(|| {
            // Nothing seen yet: the log's ids are its server's clock, in milliseconds.
            let ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis();
            Some(Str::from(format!("{ms}-0")))
        })
    }

    pub(super) fn restore(
        &self,
        pid: &str,
        offset: Option<&str>,
    ) -> BoxFuture<Option<RestoredSession>> {
        let me = self.clone();
        let (pid, offset) = (pid.to_owned(), offset.map(str::to_owned));
        Box::pin(async move { me.restore_now(&pid, offset.as_deref()).await })
    }

    async fn restore_now(&self, pid: &str, offset: Option<&str>) -> Option<RestoredSession> {
        let transport = &self.shared.transport;
        let stored = match transport.take_session(pid).await {
            Ok(stored) => stored?,
            Err(e) => {
                tracing::warn!(error = %e, "a recovery session could not be read");
                return None;
            }
        };
        let session = session_from_value(&stored)?;
        // The stock client presents a failed recovery's offset again: it means nothing received.
        let offset = offset.filter(|o| Some(*o) != session.presented.as_deref());
        let resume = match offset {
            Some(offset) => self.check_offset(&session, offset).await?,
            None => session.since.as_deref()?.to_owned(),
        };
        self.register(&session);
        match self.read_missed(&session.rooms, &resume).await {
            Some((replay, last)) => {
                if let Some(r) = self
                    .shared
                    .recovered
                    .restoring
                    .lock()
                    .expect("restoring lock")
                    .get_mut(&session.sid)
                {
                    r.replay = replay;
                }
                Some(RestoredSession {
                    resume_after: Str::from(last),
                    session,
                })
            }
            None => {
                self.unregister(&session.sid);
                None
            }
        }
    }

    /// `offset` as the resume point of `session`, if it is one of its own.
    async fn check_offset(&self, session: &PersistedSession, offset: &str) -> Option<String> {
        let key = offset_key(offset)?;
        if session.since.as_deref().and_then(offset_key) > Some(key) {
            return None;
        }
        let entry = match self.shared.transport.log_entry(offset).await {
            Ok(entry) => entry?,
            Err(e) => {
                tracing::warn!(error = %e, "a recovery offset could not be checked");
                return None;
            }
        };
        let (opts, _) = decode_options(&entry.data["opts"]);
        let ours = entry.kind == MessageType::Broadcast
            && entry.nsp == self.shared.nsp.name()
            && selects(&opts, &session.rooms);
        ours.then(|| offset.to_owned())
    }

    fn register(&self, session: &PersistedSession) {
        let mut restoring = self
            .shared
            .recovered
            .restoring
            .lock()
            .expect("restoring lock");
        restoring.retain(|_, r| r.began.elapsed() < RESTORE_PATIENCE);
        restoring.insert(
            session.sid.clone(),
            Restoring {
                rooms: session.rooms.clone(),
                replay: Vec::new(),
                live: Vec::new(),
                began: Instant::now(),
            },
        );
    }

    fn unregister(&self, sid: &SocketId) {
        self.shared
            .recovered
            .restoring
            .lock()
            .expect("restoring lock")
            .remove(sid);
    }

    /// Every logged event after `after` that `rooms` select, with its offset, read in bounded
    /// batches; and the last offset read.
    async fn read_missed(
        &self,
        rooms: &[Room],
        after: &str,
    ) -> Option<(Vec<((u64, u64), EncodedPacket)>, String)> {
        let nsp = self.shared.nsp.name();
        let (mut last, mut missed) = (after.to_owned(), Vec::new());
        loop {
            let batch = match self.shared.transport.read_log(&last, READ_BATCH).await {
                Ok(batch) => batch,
                Err(e) => {
                    tracing::warn!(error = %e, "the missed packets could not be read");
                    return None;
                }
            };
            let full = batch.len() >= READ_BATCH;
            for (offset, message) in batch {
                last.clone_from(&offset);
                if let Some(packet) = replayable(nsp, &message, rooms) {
                    missed.push((offset_key(&offset)?, packet.with_offset(&offset)));
                }
            }
            if !full {
                return Some((missed, last));
            }
        }
    }

    /// Admits a restored socket: under the delivery lock, attached, joined to its rooms, and
    /// given what it missed and what was delivered meanwhile, each packet once, in log order.
    pub(super) fn join(&self, sid: &SocketId, rooms: &[Room], attach: &mut dyn FnMut()) {
        let mut restoring = self
            .shared
            .recovered
            .restoring
            .lock()
            .expect("restoring lock");
        let session = restoring.remove(sid);
        attach();
        crate::adapter::Adapter::add_all(&self.shared.local, sid, rooms);
        let Some(Restoring { replay, live, .. }) = session else {
            return;
        };
        let mut packets: Vec<_> = replay.into_iter().chain(live).collect();
        packets.sort_by_key(|(key, _)| *key);
        packets.dedup_by_key(|(key, _)| *key);
        for (_, packet) in &packets {
            self.shared
                .nsp
                .deliver(&mut std::iter::once(sid), packet, Default::default());
        }
        drop(restoring);
    }
}

/// The event a logged message replays to a session in `rooms`: a broadcast of this namespace,
/// without acknowledgement, not volatile, that selects them.
fn replayable(nsp: &str, message: &ClusterMessage, rooms: &[Room]) -> Option<EncodedPacket> {
    let data = &message.data;
    if message.kind != MessageType::Broadcast || message.nsp != nsp || !data["requestId"].is_null()
    {
        return None;
    }
    let (opts, _) = decode_options(&data["opts"]);
    if opts.flags.volatile || !selects(&opts, rooms) {
        return None;
    }
    packet_from_value(nsp, &data["packet"], None)
}
