//! What an adapter keeps for connection state recovery: the sessions of sockets that dropped,
//! and the packets they may have missed, each with its offset. Pure bookkeeping: the caller
//! passes the time and does the delivering.
//!
//! Offsets are positions in one log per namespace (`<prefix>-<n>`, `n` counting from 1), as a
//! Redis stream's entry ids are in a cluster: a client that presents offset `n` has processed
//! every packet up to `n` that was meant for it, and is owed every later one. A position is a
//! resume point only for a session it was issued to: a volatile event takes a position too (a
//! marker, never replayed), so that the offset it carries is one of its receivers'.

use super::ConnectionStateRecovery;
use super::{BroadcastOptions, PersistedSession, RestoredSession, Room};
use crate::protocol::ShrinkWhenSparse;
use crate::protocol::Str;
use crate::protocol::socketio::EncodedPacket;
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

struct Logged {
    n: u64,
    rooms: Vec<Room>,
    except: Vec<Room>,
    /// `None` for a volatile event's marker: it only names a position.
    packet: Option<EncodedPacket>,
    at: Instant,
    size: usize,
}

struct Kept {
    session: PersistedSession,
    at: Instant,
    /// The last position logged before the socket left: no later offset was issued to it.
    last: u64,
}

/// The sessions and packets of one namespace.
pub struct SessionLog {
    config: ConnectionStateRecovery,
    /// How long a packet is kept: the disconnection window plus the time a dead connection
    /// takes to be noticed, so that a packet lost with a connection is still there when its
    /// client comes back within the window. An older packet reached its client before a later
    /// heartbeat did, or went to a connection already known to be gone.
    keep: Duration,
    /// Random per log, so that an offset from another server or an earlier run never matches.
    prefix: String,
    /// The number of the last entry logged (0: none yet).
    last: u64,
    packets: VecDeque<Logged>,
    bytes: usize,
    /// The last entry dropped by the count and byte bounds rather than by age: a session that
    /// may not have received it cannot be resumed without a gap.
    overrun: u64,
    sessions: HashMap<Str, Kept>,
    /// When each session was kept, oldest first: every session has the same window, so they
    /// expire in this order, and pruning looks at the front only (a whole-map scan on each
    /// broadcast, persist and take was quadratic when thousands of clients dropped at once).
    /// An entry whose session was taken, or kept again since, is skipped.
    expiry: VecDeque<(Instant, Str)>,
}

impl std::fmt::Debug for SessionLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionLog")
            .field("packets", &self.packets.len())
            .field("bytes", &self.bytes)
            .field("sessions", &self.sessions.len())
            .finish()
    }
}

/// What [`SessionLog::missed`] found.
#[derive(Debug)]
pub struct Missed {
    /// The packets after the resume point that the rooms select, oldest first.
    pub packets: Vec<EncodedPacket>,
    /// Whether some packets after the resume point were dropped already (the bounds were
    /// reached).
    pub gap: bool,
}

impl SessionLog {
    /// An empty log. `detection` is how long a dead connection may go unnoticed (the ping
    /// interval plus the ping timeout).
    pub fn new(config: ConnectionStateRecovery, detection: Duration) -> Self {
        SessionLog {
            keep: config.max_disconnection_duration + detection,
            config,
            prefix: {
                use rand::Rng;
                let mut rng = rand::rng();
                (0..8)
                    .map(|_| char::from(rng.sample(rand::distr::Alphanumeric)))
                    .collect()
            },
            last: 0,
            packets: VecDeque::new(),
            bytes: 0,
            overrun: 0,
            sessions: HashMap::new(),
            expiry: VecDeque::new(),
        }
    }

    /// The options in force.
    pub fn config(&self) -> &ConnectionStateRecovery {
        &self.config
    }

    /// The current position, as an offset: what a socket that joins now has seen (nothing
    /// logged so far was for it).
    pub fn position(&self) -> Str {
        Str::from(self.offset(self.last))
    }

    fn offset(&self, n: u64) -> String {
        format!("{}-{n}", self.prefix)
    }

    /// Keeps `packet`, sent to what `opts` selects, and returns it with its offset appended.
    pub fn append(
        &mut self,
        packet: &EncodedPacket,
        opts: &BroadcastOptions,
        now: Instant,
    ) -> EncodedPacket {
        let n = self.push(opts, now);
        let packet = packet.with_offset(&self.offset(n));
        let size = packet.frame.len() + packet.attachments.iter().map(|a| a.len()).sum::<usize>();
        let entry = self.packets.back_mut().expect("just pushed");
        entry.size += size;
        entry.packet = Some(packet.clone());
        self.bytes += size;
        self.prune(now);
        packet
    }

    /// Takes a position for a volatile event sent to what `opts` selects, and returns the
    /// event with that offset appended: the stock clients take the last string argument of
    /// every event as their offset, so a volatile event must carry a valid one too. It is never
    /// replayed.
    pub fn mark(
        &mut self,
        packet: &EncodedPacket,
        opts: &BroadcastOptions,
        now: Instant,
    ) -> EncodedPacket {
        let n = self.push(opts, now);
        self.prune(now);
        packet.with_offset(&self.offset(n))
    }

    /// Logs a position for what `opts` selects; [`append`](Self::append) fills in its packet.
    fn push(&mut self, opts: &BroadcastOptions, now: Instant) -> u64 {
        self.last += 1;
        let size = std::mem::size_of::<Logged>()
            + (opts.rooms.len() + opts.except.len()) * std::mem::size_of::<Room>();
        self.bytes += size;
        self.packets.push_back(Logged {
            n: self.last,
            rooms: opts.rooms.clone(),
            except: opts.except.clone(),
            packet: None,
            at: now,
            size,
        });
        self.last
    }

    /// Keeps the session of a socket that dropped.
    pub fn persist(&mut self, session: PersistedSession, now: Instant) {
        self.prune(now);
        let kept = Kept {
            session,
            at: now,
            last: self.last,
        };
        self.expiry.push_back((now, kept.session.pid.clone()));
        self.sessions.insert(kept.session.pid.clone(), kept);
    }

    /// Takes back the session `pid` if it is kept and `offset` is a resume point of its own
    /// from which nothing it may have missed was dropped. No offset (a client that received no
    /// event) resumes from where the session began, and so does the offset the client
    /// presented when the session began (it keeps it until an event gives it a new one).
    pub fn take(
        &mut self,
        pid: &str,
        offset: Option<&str>,
        now: Instant,
    ) -> Option<RestoredSession> {
        self.prune(now);
        let kept = self.sessions.get(pid)?;
        let since = kept.session.since.as_deref().and_then(|s| self.parse(s))?;
        let from = match offset {
            None => since,
            Some(o) if kept.session.presented.as_deref() == Some(o) => since,
            Some(o) => {
                let n = self.parse(o)?;
                if n <= since || n > kept.last {
                    return None;
                }
                if let Some(entry) = self.entry(n)
                    && !selects(&kept.session.rooms, &entry.rooms, &entry.except)
                {
                    return None;
                }
                n
            }
        };
        if self.overrun > from {
            return None;
        }
        let kept = self.sessions.remove(pid)?;
        self.sessions.shrink_when_sparse();
        if self.sessions.is_empty() {
            self.expiry.clear();
        }
        Some(RestoredSession {
            session: kept.session,
            resume_after: Str::from(self.offset(from)),
        })
    }

    /// The kept packets after the resume point `after` that a socket in `rooms` would have
    /// received.
    pub fn missed(&self, rooms: &[Room], after: &str) -> Missed {
        let n = self.parse(after);
        let gap = n.is_none_or(|n| self.overrun > n);
        let after = n.unwrap_or(0);
        let packets = self
            .packets
            .iter()
            .skip_while(|p| p.n <= after)
            .filter(|p| selects(rooms, &p.rooms, &p.except))
            .filter_map(|p| p.packet.clone())
            .collect();
        Missed { packets, gap }
    }

    /// Drops what is older than it needs to be kept, and the oldest packets past the bounds.
    pub fn prune(&mut self, now: Instant) {
        let expired = |at: Instant, age: Duration| now.saturating_duration_since(at) > age;
        while let Some(front) = self.packets.front() {
            let over =
                self.packets.len() > self.config.max_packets || self.bytes > self.config.max_bytes;
            if !over && !expired(front.at, self.keep) {
                break;
            }
            if over && !expired(front.at, self.keep) {
                self.overrun = front.n;
            }
            self.bytes -= front.size;
            self.packets.pop_front();
        }
        let window = self.config.max_disconnection_duration;
        while let Some((at, _)) = self.expiry.front() {
            if !expired(*at, window) {
                break;
            }
            let (at, pid) = self.expiry.pop_front().expect("a front");
            if self.sessions.get(&pid).is_some_and(|kept| kept.at == at) {
                self.sessions.remove(&pid);
            }
        }
        if self.sessions.is_empty() {
            self.expiry.clear();
        }
        self.sessions.shrink_when_sparse();
        self.expiry.shrink_when_sparse();
        self.packets.shrink_when_sparse();
    }

    /// How many packets and sessions are kept.
    pub fn len(&self) -> (usize, usize) {
        (self.packets.len(), self.sessions.len())
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.packets.is_empty() && self.sessions.is_empty()
    }

    fn parse(&self, offset: &str) -> Option<u64> {
        let (prefix, n) = offset.rsplit_once('-')?;
        if prefix != self.prefix || n.starts_with('+') {
            return None;
        }
        n.parse().ok().filter(|&n| n <= self.last)
    }

    fn entry(&self, n: u64) -> Option<&Logged> {
        let first = self.packets.front()?.n;
        self.packets
            .get(usize::try_from(n.checked_sub(first)?).ok()?)
    }

    /// How often a timer should prune, for the memory of expired sessions to be freed even
    /// when nothing happens.
    pub fn prune_interval(&self) -> Duration {
        (self.config.max_disconnection_duration / 4)
            .clamp(Duration::from_secs(1), Duration::from_secs(60))
    }
}

/// The reference's rule: the packet was for everyone or for one of the rooms, and none of the
/// rooms was excluded.
fn selects(session_rooms: &[Room], rooms: &[Room], except: &[Room]) -> bool {
    let included = rooms.is_empty() || session_rooms.iter().any(|r| rooms.contains(r));
    included && !session_rooms.iter().any(|r| except.contains(r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::socketio::encode;

    const DETECTION: Duration = Duration::from_secs(2);

    fn event(name: &str) -> EncodedPacket {
        encode::event("/", name, &(), None).unwrap()
    }

    fn opts(rooms: &[&str], except: &[&str]) -> BroadcastOptions {
        BroadcastOptions {
            rooms: rooms.iter().map(|r| Str::from(*r)).collect(),
            except: except.iter().map(|r| Str::from(*r)).collect(),
            ..Default::default()
        }
    }

    fn log() -> SessionLog {
        SessionLog::new(ConnectionStateRecovery::default(), DETECTION)
    }

    /// A session that began at `since` (the log's position when it joined).
    fn session(pid: &str, rooms: &[&str], since: Str) -> PersistedSession {
        PersistedSession {
            sid: Str::from(rooms.first().copied().unwrap_or("sid")),
            pid: Str::from(pid),
            rooms: rooms.iter().map(|r| Str::from(*r)).collect(),
            data: crate::adapter::SessionData::new(crate::protocol::socketio::Value::Null),
            since: Some(since),
            presented: None,
        }
    }

    fn offset_of(p: &EncodedPacket) -> String {
        let text = p.frame.to_string();
        let start = text.rfind(",\"").unwrap() + 2;
        text[start..text.len() - 2].to_owned()
    }

    fn names(log: &SessionLog, restored: &RestoredSession) -> Vec<String> {
        let missed = log.missed(&restored.session.rooms, &restored.resume_after);
        assert!(!missed.gap);
        missed
            .packets
            .iter()
            .map(|p| {
                let text = p.frame.to_string();
                text[4..text[4..].find('"').unwrap() + 4].to_owned()
            })
            .collect()
    }

    #[test]
    fn offsets_are_appended_to_the_arguments() {
        let mut log = log();
        let p = log.append(
            &encode::event("/", "e", &(1, "a"), None).unwrap(),
            &opts(&[], &[]),
            Instant::now(),
        );
        let offset = offset_of(&p);
        assert!(offset.ends_with("-1"), "{offset}");
        assert_eq!(p.frame.as_str(), &format!("42[\"e\",1,\"a\",\"{offset}\"]"));
        let p = log.append(&event("f"), &opts(&[], &[]), Instant::now());
        assert_eq!(
            p.frame.as_str(),
            &format!("42[\"f\",\"{}\"]", offset_of(&p))
        );
    }

    #[test]
    fn missed_packets_follow_the_offset_and_the_rooms() {
        let now = Instant::now();
        let mut log = log();
        let since = log.position();
        let first = log.append(&event("seen"), &opts(&[], &[]), now);
        log.persist(session("p1", &["sid", "a"], since), now);
        log.append(&event("all"), &opts(&[], &[]), now);
        log.append(&event("room-a"), &opts(&["a"], &[]), now);
        log.append(&event("room-b"), &opts(&["b"], &[]), now);
        log.append(&event("not-a"), &opts(&[], &["a"]), now);
        log.mark(&event("volatile"), &opts(&[], &[]), now);
        let offset = offset_of(&first);
        let s = log.take("p1", Some(&offset), now).expect("kept");
        assert_eq!(names(&log, &s), ["all", "room-a"]);
        assert!(
            log.take("p1", Some(&offset), now).is_none(),
            "a session is taken once"
        );
    }

    #[test]
    fn a_client_that_received_nothing_resumes_from_where_its_session_began() {
        let now = Instant::now();
        let mut log = log();
        log.append(&event("before"), &opts(&[], &[]), now);
        let since = log.position();
        log.persist(session("p1", &["sid"], since.clone()), now);
        log.append(&event("after"), &opts(&[], &[]), now);
        let s = log
            .take("p1", None, now)
            .expect("no offset is a resume point");
        assert_eq!(names(&log, &s), ["after"]);

        // The offset it presented when the session began (from an earlier session) means the
        // same: it has received nothing of this one.
        let stale = offset_of(&log.append(&event("old"), &opts(&[], &[]), now));
        let since = log.position();
        let mut p2 = session("p2", &["sid2"], since);
        p2.presented = Some(Str::from(stale.as_str()));
        log.persist(p2, now);
        log.append(&event("missed"), &opts(&[], &[]), now);
        let s = log
            .take("p2", Some(&stale), now)
            .expect("its own stale offset");
        assert_eq!(names(&log, &s), ["missed"]);
    }

    #[test]
    fn an_offset_resumes_only_the_session_it_was_issued_to() {
        let now = Instant::now();
        let mut log = log();
        let before = offset_of(&log.append(&event("before"), &opts(&[], &[]), now));
        let since = log.position();
        let to_other = offset_of(&log.append(&event("x"), &opts(&["other"], &[]), now));
        let not_me = offset_of(&log.append(&event("x"), &opts(&[], &["me"]), now));
        let volatile_to_other = offset_of(&log.mark(&event("v"), &opts(&["other"], &[]), now));
        let mine = offset_of(&log.append(&event("x"), &opts(&["me"], &[]), now));
        log.persist(session("p1", &["me"], since), now);
        let after = offset_of(&log.append(&event("later"), &opts(&[], &[]), now));
        let prefix = log.prefix.clone();
        for foreign in [
            before.as_str(),
            &to_other,
            &not_me,
            &volatile_to_other,
            &after,
            "",
            "x",
            "zzzzzzzz-1",
            &format!("{prefix}-99"),
            &format!("{prefix}-+5"),
            "-1",
        ] {
            assert!(log.take("p1", Some(foreign), now).is_none(), "{foreign:?}");
        }
        assert!(log.take("other", Some(&mine), now).is_none());
        let s = log.take("p1", Some(&mine), now).expect("its own offset");
        assert_eq!(names(&log, &s), ["later"]);
    }

    #[test]
    fn a_volatile_event_carries_a_resume_point_and_is_never_replayed() {
        let now = Instant::now();
        let mut log = log();
        let since = log.position();
        log.append(&event("a"), &opts(&[], &[]), now);
        let v = log.mark(&event("v"), &opts(&[], &[]), now);
        log.persist(session("p1", &["sid"], since), now);
        log.append(&event("b"), &opts(&[], &[]), now);
        log.mark(&event("v2"), &opts(&[], &[]), now);
        let s = log
            .take("p1", Some(&offset_of(&v)), now)
            .expect("resumable");
        assert_eq!(names(&log, &s), ["b"]);
    }

    #[test]
    fn sessions_expire_from_their_disconnection_not_from_their_last_event() {
        let now = Instant::now();
        let config =
            ConnectionStateRecovery::default().max_disconnection_duration(Duration::from_secs(10));
        let mut log = SessionLog::new(config, DETECTION);
        let since = log.position();
        let p = log.append(&event("e"), &opts(&[], &[]), now);
        log.append(&event("for-others"), &opts(&["x"], &[]), now);
        // Connected for long after its last event: both entries age out.
        let dropped = now + Duration::from_secs(60);
        log.persist(session("p1", &["sid"], since.clone()), dropped);
        assert_eq!(log.len(), (0, 1));
        log.append(&event("missed"), &opts(&[], &[]), dropped);
        let back = dropped + Duration::from_secs(9);
        let s = log
            .take("p1", Some(&offset_of(&p)), back)
            .expect("within the window");
        assert_eq!(names(&log, &s), ["missed"]);

        log.persist(session("p2", &["sid"], since), back);
        let late = back + Duration::from_secs(11);
        log.prune(late);
        assert!(log.take("p2", None, late).is_none());
        log.prune(late + DETECTION);
        assert!(log.is_empty());
    }

    #[test]
    fn a_flood_is_bounded_and_an_overrun_offset_is_refused() {
        let now = Instant::now();
        let config = ConnectionStateRecovery::default().max_packets(100);
        let mut log = SessionLog::new(config, DETECTION);
        let since = log.position();
        let first = log.append(&event("e"), &opts(&[], &[]), now);
        log.persist(session("p1", &["sid"], since.clone()), now);
        log.persist(session("p2", &["sid"], since), now);
        for _ in 0..10_000 {
            log.append(&event("flood"), &opts(&[], &[]), now);
        }
        assert_eq!(log.len().0, 100);
        assert!(
            log.take("p1", Some(&offset_of(&first)), now).is_none(),
            "packets were lost"
        );
        assert!(log.take("p2", None, now).is_none(), "packets were lost");

        let config = ConnectionStateRecovery::default().max_bytes(1000);
        let mut log = SessionLog::new(config, DETECTION);
        for _ in 0..10_000 {
            log.append(&event("flood"), &opts(&[], &[]), now);
            log.mark(&event("flood"), &opts(&[], &[]), now);
        }
        assert!(log.bytes <= 1000);
    }

    #[test]
    fn sessions_expire_in_the_order_kept_and_a_taken_or_kept_again_one_only_once() {
        let now = Instant::now();
        let secs = Duration::from_secs;
        let config = ConnectionStateRecovery::default().max_disconnection_duration(secs(10));
        let mut log = SessionLog::new(config, DETECTION);
        let since = log.position();
        log.persist(session("a", &["sid"], since.clone()), now);
        log.persist(session("b", &["sid"], since.clone()), now + secs(1));
        log.persist(session("c", &["sid"], since.clone()), now + secs(2));
        assert!(log.take("b", None, now + secs(3)).is_some());
        // `a` drops again before its first window ends: its second window counts.
        assert!(log.take("a", None, now + secs(4)).is_some());
        log.persist(session("a", &["sid"], since), now + secs(5));
        // The first `a` and `b` expire here, both taken already: nothing to drop for them.
        log.prune(now + Duration::from_millis(11_500));
        assert_eq!(log.len().1, 2, "c and the second a are kept");
        assert!(
            log.take("c", None, now + secs(13)).is_none(),
            "c's window ended"
        );
        assert!(log.take("a", None, now + secs(14)).is_some());
        assert!(log.is_empty() && log.expiry.is_empty());

        // Many at once: each prune looks at the front only.
        for i in 0..10_000 {
            log.persist(session(&format!("p{i}"), &["sid"], log.position()), now);
        }
        assert_eq!(log.len().1, 10_000);
        log.prune(now + secs(11));
        assert!(log.is_empty() && log.expiry.is_empty());
    }
}
