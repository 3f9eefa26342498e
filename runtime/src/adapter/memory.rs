//! The in-memory adapter: rooms in two maps, broadcasts to this node's sockets only.

use super::{
    AckOutcome, AckResponse, Adapter, BoxFuture, BroadcastOptions, LocalNamespace,
    PersistedSession, RecoveryCounts, RestoredSession, Room, SessionLog, SocketInfo,
};
use crate::protocol::socketio::EncodedPacket;
use crate::protocol::{IdMap, IdSet, ShrinkWhenSparse, SocketId, Str};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

#[derive(Default)]
struct Rooms {
    /// Room → its sockets.
    rooms: HashMap<Room, IdSet>,
    /// Socket → its rooms.
    sids: IdMap<HashSet<Room>>,
}

/// The default adapter, for one server process.
///
/// With connection state recovery on, it keeps the sessions of sockets that dropped and the
/// recoverable packets they may miss ([`SessionLog`]). Logging a packet and delivering it happen
/// under one lock, which restoring a session takes too: a broadcast racing with a reconnection
/// reaches the client exactly once.
pub struct MemoryAdapter {
    nsp: Arc<dyn LocalNamespace>,
    state: RwLock<Rooms>,
    recovery: Option<Arc<Mutex<SessionLog>>>,
}

impl fmt::Debug for MemoryAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryAdapter")
            .field("nsp", &self.nsp.name())
            .finish_non_exhaustive()
    }
}

impl MemoryAdapter {
    /// The adapter of namespace `nsp`.
    pub fn new(nsp: Arc<dyn LocalNamespace>) -> Self {
        let recovery = nsp
            .connection_state_recovery()
            .map(|config| Arc::new(Mutex::new(SessionLog::new(config, nsp.liveness_timeout()))));
        if let Some(log) = &recovery {
            prune_in_background(Arc::downgrade(log));
        }
        MemoryAdapter {
            nsp,
            state: RwLock::new(Rooms::default()),
            recovery,
        }
    }

    /// The adapter of namespace `nsp` without connection state recovery of its own, as the
    /// local part of an adapter that keeps sessions and offsets elsewhere (a cluster's).
    pub fn without_recovery(nsp: Arc<dyn LocalNamespace>) -> Self {
        MemoryAdapter {
            nsp,
            state: RwLock::new(Rooms::default()),
            recovery: None,
        }
    }

    fn log(&self) -> Option<std::sync::MutexGuard<'_, SessionLog>> {
        self.recovery
            .as_ref()
            .map(|l| l.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Frees expired sessions and packets even when no broadcast or reconnection does it, as long
/// as the log exists (and a runtime is there to run the timer).
fn prune_in_background(log: std::sync::Weak<Mutex<SessionLog>>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        loop {
            let Some(every) = log
                .upgrade()
                .map(|l| l.lock().unwrap_or_else(|e| e.into_inner()).prune_interval())
            else {
                return;
            };
            tokio::time::sleep(every).await;
            match log.upgrade() {
                Some(l) => l
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .prune(Instant::now()),
                None => return,
            }
        }
    });
}

/// The sockets in any of the rooms `opts` excludes.
fn excluded(st: &Rooms, opts: &BroadcastOptions) -> HashSet<SocketId> {
    opts.except
        .iter()
        .filter_map(|r| st.rooms.get(r))
        .flatten()
        .cloned()
        .collect()
}

/// The sockets in any of `opts`' rooms (there is one at least) and in none of its exceptions,
/// each once.
fn targets(st: &Rooms, opts: &BroadcastOptions) -> Vec<SocketId> {
    let excluded = excluded(st, opts);
    let members = || opts.rooms.iter().filter_map(|r| st.rooms.get(r));
    if let [room] = &opts.rooms[..] {
        // One room holds each socket once.
        return st.rooms.get(room).map_or_else(Vec::new, |m| {
            m.iter()
                .filter(|id| !excluded.contains(*id))
                .cloned()
                .collect()
        });
    }
    let mut seen =
        IdSet::with_capacity_and_hasher(members().map(|m| m.len()).sum(), Default::default());
    members()
        .flatten()
        .filter(|id| !excluded.contains(*id) && seen.insert((*id).clone()))
        .cloned()
        .collect()
}

impl MemoryAdapter {
    /// Writes `packet` to the sockets `opts` selects, without listing them first where it can:
    /// to everyone (no rooms), through the namespace's sockets in one pass; to one room with
    /// no exception, through the room's members.
    fn deliver(&self, packet: &EncodedPacket, opts: &BroadcastOptions) {
        let st = self.state.read().expect("rooms lock");
        if opts.rooms.is_empty() {
            let excluded = excluded(&st, opts);
            drop(st);
            self.nsp.deliver_to_all(&excluded, packet, opts.flags);
        } else if let ([room], []) = (&opts.rooms[..], &opts.except[..]) {
            // Under the rooms lock: the namespace's sockets lock is taken after it, never the
            // other way round.
            if let Some(members) = st.rooms.get(room) {
                self.nsp.deliver(&mut members.iter(), packet, opts.flags);
            }
        } else {
            let targets = targets(&st, opts);
            drop(st);
            self.nsp.deliver(&mut targets.iter(), packet, opts.flags);
        }
    }
}

impl Adapter for MemoryAdapter {
    fn add_all(&self, id: &SocketId, rooms: &[Room]) {
        let mut st = self.state.write().expect("rooms lock");
        let before = st.rooms.len();
        for room in rooms {
            st.rooms.entry(room.clone()).or_default().insert(id.clone());
            st.sids.entry(id.clone()).or_default().insert(room.clone());
        }
        let created = st.rooms.len() - before;
        drop(st);
        crate::metrics::rooms_changed(self.nsp.name(), created as i64);
    }

    fn del(&self, id: &SocketId, room: &Room) {
        let mut st = self.state.write().expect("rooms lock");
        if let Some(sids) = st.rooms.get_mut(room) {
            sids.remove(id);
            if sids.is_empty() {
                st.rooms.remove(room);
                crate::metrics::rooms_changed(self.nsp.name(), -1);
            }
        }
        if let Some(rooms) = st.sids.get_mut(id) {
            rooms.remove(room);
            if rooms.is_empty() {
                st.sids.remove(id);
            }
        }
        st.rooms.shrink_when_sparse();
        st.sids.shrink_when_sparse();
    }

    fn del_all(&self, id: &SocketId) {
        let mut st = self.state.write().expect("rooms lock");
        let Some(rooms) = st.sids.remove(id) else {
            return;
        };
        let before = st.rooms.len();
        for room in rooms {
            if let Some(sids) = st.rooms.get_mut(&room) {
                sids.remove(id);
                if sids.is_empty() {
                    st.rooms.remove(&room);
                }
            }
        }
        let removed = before - st.rooms.len();
        st.rooms.shrink_when_sparse();
        st.sids.shrink_when_sparse();
        drop(st);
        crate::metrics::rooms_changed(self.nsp.name(), -(removed as i64));
    }

    fn socket_rooms(&self, id: &SocketId) -> HashSet<Room> {
        let st = self.state.read().expect("rooms lock");
        st.sids.get(id).cloned().unwrap_or_default()
    }

    fn rooms(&self) -> HashSet<Room> {
        let st = self.state.read().expect("rooms lock");
        st.rooms.keys().cloned().collect()
    }

    fn room_size(&self, room: &Room) -> usize {
        let st = self.state.read().expect("rooms lock");
        st.rooms.get(room).map_or(0, |m| m.len())
    }

    fn room_sizes(&self) -> HashMap<Room, usize> {
        let st = self.state.read().expect("rooms lock");
        st.rooms.iter().map(|(r, m)| (r.clone(), m.len())).collect()
    }

    fn local_sockets(&self, opts: &BroadcastOptions) -> Vec<SocketId> {
        let st = self.state.read().expect("rooms lock");
        if opts.rooms.is_empty() {
            let excluded = excluded(&st, opts);
            drop(st);
            return self
                .nsp
                .socket_ids()
                .into_iter()
                .filter(|id| !excluded.contains(id))
                .collect();
        }
        targets(&st, opts)
    }

    fn broadcast(&self, packet: &EncodedPacket, opts: &BroadcastOptions) {
        if packet.recoverable
            && let Some(mut log) = self.log()
        {
            // Logged and delivered under the log's lock: in the log's order on every socket.
            let packet = if opts.flags.volatile {
                log.mark(packet, opts, Instant::now())
            } else {
                log.append(packet, opts, Instant::now())
            };
            self.deliver(&packet, opts);
            return;
        }
        self.deliver(packet, opts);
    }

    fn broadcast_with_ack(
        &self,
        packet: &EncodedPacket,
        ack_id: u64,
        opts: &BroadcastOptions,
        timeout: Duration,
    ) -> BoxFuture<AckOutcome> {
        let targets = self.local_sockets(opts);
        let waiting = self
            .nsp
            .deliver_with_ack(&targets, packet, ack_id, opts.flags, timeout);
        Box::pin(async move {
            let clients = waiting.len();
            let answers = waiting.into_iter().map(|(id, answer)| async move {
                AckResponse {
                    socket: Some(id),
                    answer: answer.await,
                }
            });
            AckOutcome {
                clients,
                responses: futures_util::future::join_all(answers).await,
            }
        })
    }

    fn fetch_sockets(&self, opts: &BroadcastOptions) -> BoxFuture<Vec<SocketInfo>> {
        let sockets = self.nsp.describe(&self.local_sockets(opts));
        Box::pin(std::future::ready(sockets))
    }

    fn add_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        for id in self.local_sockets(opts) {
            self.add_all(&id, rooms);
        }
    }

    fn del_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        for id in self.local_sockets(opts) {
            for room in rooms {
                self.del(&id, room);
            }
        }
    }

    fn disconnect_sockets(&self, opts: &BroadcastOptions, close: bool) {
        let targets = self.local_sockets(opts);
        self.nsp.disconnect(&targets, close);
    }

    fn recovery_counts(&self) -> RecoveryCounts {
        self.log()
            .map(|log| {
                let (packets, sessions) = log.len();
                RecoveryCounts { sessions, packets }
            })
            .unwrap_or_default()
    }

    fn persist_session(&self, session: PersistedSession) {
        if let Some(mut log) = self.log() {
            log.persist(session, Instant::now());
        }
    }

    fn join_new(&self, sid: &SocketId, attach: &mut dyn FnMut()) -> Option<Str> {
        // Held while the socket becomes reachable: a packet logged before its position is not
        // delivered to it, one logged after is.
        let log = self.log();
        attach();
        self.add_all(sid, std::slice::from_ref(sid));
        log.map(|log| log.position())
    }

    fn restore_session(
        &self,
        pid: &str,
        offset: Option<&str>,
    ) -> BoxFuture<Option<RestoredSession>> {
        let session = self
            .log()
            .and_then(|mut log| log.take(pid, offset, Instant::now()));
        Box::pin(std::future::ready(session))
    }

    fn join_restored(
        &self,
        sid: &SocketId,
        rooms: &[Room],
        resume_after: &str,
        attach: &mut dyn FnMut(),
    ) {
        // Held from before the socket is reachable until its missed packets are written.
        let log = self.log();
        attach();
        self.add_all(sid, rooms);
        let Some(log) = log else {
            return;
        };
        let missed = log.missed(rooms, resume_after);
        if missed.gap {
            // Only when the bounds dropped packets while the middlewares ran.
            tracing::warn!(%sid, "some missed packets were dropped before the session was restored");
        }
        for packet in &missed.packets {
            self.nsp
                .deliver(&mut std::iter::once(sid), packet, Default::default());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapter::BroadcastFlags;
    use crate::protocol::Str;
    use std::sync::Mutex;

    struct Fake {
        ids: Vec<SocketId>,
        delivered: Mutex<Vec<SocketId>>,
    }
    impl LocalNamespace for Fake {
        fn name(&self) -> &str {
            "/"
        }
        fn socket_ids(&self) -> Vec<SocketId> {
            self.ids.clone()
        }
        fn deliver(
            &self,
            targets: &mut dyn Iterator<Item = &SocketId>,
            _: &EncodedPacket,
            _: BroadcastFlags,
        ) {
            self.delivered.lock().unwrap().extend(targets.cloned());
        }
        fn deliver_with_ack(
            &self,
            _: &[SocketId],
            _: &EncodedPacket,
            _: u64,
            _: BroadcastFlags,
            _: Duration,
        ) -> Vec<(
            SocketId,
            BoxFuture<Result<crate::protocol::socketio::Args, crate::adapter::AckFailure>>,
        )> {
            Vec::new()
        }
        fn describe(&self, _: &[SocketId]) -> Vec<SocketInfo> {
            Vec::new()
        }
        fn disconnect(&self, _: &[SocketId], _: bool) {}
        fn next_ack_id(&self) -> u64 {
            0
        }
    }

    fn room(s: &str) -> Room {
        Str::from(s)
    }

    #[test]
    fn rooms_union_except_and_cleanup() {
        let ids: Vec<SocketId> = (0..4)
            .map(|_| Str::from(crate::protocol::Sid::random().as_str()))
            .collect();
        let fake = Arc::new(Fake {
            ids: ids.clone(),
            delivered: Mutex::new(Vec::new()),
        });
        let a = MemoryAdapter::new(fake.clone());
        a.add_all(&ids[0], &[room("x"), room("y")]);
        a.add_all(&ids[1], &[room("y")]);
        a.add_all(&ids[2], &[room("z")]);

        let sel = |rooms: &[&str], except: &[&str]| {
            let mut v = a.local_sockets(&BroadcastOptions {
                rooms: rooms.iter().map(|r| room(r)).collect(),
                except: except.iter().map(|r| room(r)).collect(),
                ..Default::default()
            });
            v.sort();
            v
        };
        let mut xy = vec![ids[0].clone(), ids[1].clone()];
        xy.sort();
        assert_eq!(sel(&["x", "y"], &[]), xy);
        assert_eq!(sel(&["y"], &["x"]), vec![ids[1].clone()]);
        assert_eq!(sel(&[], &["y", "z"]), vec![ids[3].clone()]);
        assert_eq!(a.socket_rooms(&ids[0]).len(), 2);
        assert_eq!(
            (a.room_size(&room("y")), a.room_size(&room("none"))),
            (2, 0)
        );
        assert_eq!(
            a.room_sizes(),
            HashMap::from([(room("x"), 1), (room("y"), 2), (room("z"), 1)])
        );

        // Broadcasts reach the same sockets, each once.
        let packet = crate::protocol::socketio::encode::control(
            crate::protocol::socketio::packet::PacketType::Connect,
            "/",
            None::<&()>,
        );
        let sent = |rooms: &[&str], except: &[&str]| {
            a.broadcast(
                &packet,
                &BroadcastOptions {
                    rooms: rooms.iter().map(|r| room(r)).collect(),
                    except: except.iter().map(|r| room(r)).collect(),
                    ..Default::default()
                },
            );
            let mut v = std::mem::take(&mut *fake.delivered.lock().unwrap());
            v.sort();
            v
        };
        assert_eq!(sent(&["x", "y"], &[]), xy);
        assert_eq!(sent(&["y"], &[]), xy);
        assert_eq!(sent(&["y"], &["x"]), vec![ids[1].clone()]);
        assert_eq!(sent(&["nobody"], &[]), Vec::<SocketId>::new());
        assert_eq!(sent(&[], &["y", "z"]), vec![ids[3].clone()]);

        a.del(&ids[0], &room("x"));
        assert!(!a.rooms().contains(&room("x")));
        a.del_all(&ids[1]);
        a.del_all(&ids[0]);
        assert_eq!(a.rooms(), HashSet::from([room("z")]));
        assert!(a.socket_rooms(&ids[0]).is_empty());
    }
}
