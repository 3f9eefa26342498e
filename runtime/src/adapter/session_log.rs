//! What an adapter keeps for connection state recovery: the sessions of sockets that dropped,
//! and the packets they may have missed, each with its offset. Pure bookkeeping: the caller
//! passes the time and does the delivering.

use super::{BroadcastOptions, PersistedSession, Room};
use crate::engineio::Str;
use crate::recovery::ConnectionStateRecovery;
use crate::socketio::EncodedPacket;
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

struct Logged {
    n: u64,
    rooms: Vec<Room>,
    except: Vec<Room>,
    packet: EncodedPacket,
    at: Instant,
    size: usize,
}

/// The sessions and packets of one namespace.
pub struct SessionLog {
    config: ConnectionStateRecovery,
    /// Offsets are `<prefix>-<n>`: the prefix is random per log, so that an offset from another
    /// server or an earlier run never matches.
    prefix: String,
    next: u64,
    packets: VecDeque<Logged>,
    bytes: usize,
    sessions: HashMap<Str, (PersistedSession, Instant)>,
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
    /// The packets after the offset that the rooms select, oldest first.
    pub packets: Vec<EncodedPacket>,
    /// Whether some packets after the offset were dropped already (the bounds were reached).
    pub gap: bool,
}

impl SessionLog {
    /// An empty log.
    pub fn new(config: ConnectionStateRecovery) -> Self {
        SessionLog {
            config,
            prefix: {
                use rand::Rng;
                let mut rng = rand::rng();
                (0..8)
                    .map(|_| char::from(rng.sample(rand::distr::Alphanumeric)))
                    .collect()
            },
            next: 0,
            packets: VecDeque::new(),
            bytes: 0,
            sessions: HashMap::new(),
        }
    }

    /// The options in force.
    pub fn config(&self) -> &ConnectionStateRecovery {
        &self.config
    }

    /// Keeps `packet`, sent to what `opts` selects, and returns it with its offset appended.
    pub fn append(
        &mut self,
        packet: &EncodedPacket,
        opts: &BroadcastOptions,
        now: Instant,
    ) -> EncodedPacket {
        let n = self.next;
        self.next += 1;
        let packet = packet.with_offset(&format!("{}-{n}", self.prefix));
        let size = packet.frame.len() + packet.attachments.iter().map(|a| a.len()).sum::<usize>();
        self.bytes += size;
        self.packets.push_back(Logged {
            n,
            rooms: opts.rooms.clone(),
            except: opts.except.clone(),
            packet: packet.clone(),
            at: now,
            size,
        });
        self.prune(now);
        packet
    }

    /// Keeps the session of a socket that dropped.
    pub fn persist(&mut self, session: PersistedSession, now: Instant) {
        self.prune(now);
        self.sessions.insert(session.pid.clone(), (session, now));
    }

    /// Takes back the session `pid`, if it is kept and `offset` is one this log can resume
    /// from without a gap.
    pub fn take(&mut self, pid: &str, offset: &str, now: Instant) -> Option<PersistedSession> {
        self.prune(now);
        let n = self.parse(offset)?;
        if !self.resumable(n) {
            return None;
        }
        self.sessions.remove(pid).map(|(s, _)| s)
    }

    /// The kept packets after `offset` that a socket in `rooms` would have received.
    pub fn missed(&self, rooms: &[Room], offset: &str) -> Missed {
        let n = self.parse(offset);
        let first = self.packets.front().map_or(self.next, |p| p.n);
        let gap = n.is_none_or(|n| !self.resumable(n));
        let after = n.map_or(0, |n| n + 1).max(first);
        let packets = self
            .packets
            .iter()
            .skip(usize::try_from(after - first).unwrap_or(usize::MAX))
            .filter(|p| selects(rooms, &p.rooms, &p.except))
            .map(|p| p.packet.clone())
            .collect();
        Missed { packets, gap }
    }

    /// Drops what is older than `max_disconnection_duration`, and the oldest packets past the
    /// bounds.
    pub fn prune(&mut self, now: Instant) {
        let max_age = self.config.max_disconnection_duration;
        let expired = |at: Instant| now.saturating_duration_since(at) > max_age;
        while let Some(front) = self.packets.front() {
            let over =
                self.packets.len() > self.config.max_packets || self.bytes > self.config.max_bytes;
            if !over && !expired(front.at) {
                break;
            }
            self.bytes -= front.size;
            self.packets.pop_front();
        }
        if !self.sessions.is_empty() {
            self.sessions.retain(|_, (_, at)| !expired(*at));
        }
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
        if prefix != self.prefix {
            return None;
        }
        n.parse().ok().filter(|&n| n < self.next)
    }

    /// Whether every packet after `n` is still kept.
    fn resumable(&self, n: u64) -> bool {
        let first = self.packets.front().map_or(self.next, |p| p.n);
        n + 1 >= first
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
    use crate::socketio::encode;

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

    fn session(pid: &str, rooms: &[&str]) -> PersistedSession {
        PersistedSession {
            sid: Str::from("sid"),
            pid: Str::from(pid),
            rooms: rooms.iter().map(|r| Str::from(*r)).collect(),
            data: std::sync::Arc::new(std::sync::Mutex::new(Box::new(()))),
        }
    }

    fn offset_of(p: &EncodedPacket) -> String {
        let text = p.frame.to_string();
        let start = text.rfind(",\"").unwrap() + 2;
        text[start..text.len() - 2].to_owned()
    }

    #[test]
    fn offsets_are_appended_to_the_arguments() {
        let mut log = SessionLog::new(ConnectionStateRecovery::default());
        let p = log.append(
            &encode::event("/", "e", &(1, "a"), None).unwrap(),
            &opts(&[], &[]),
            Instant::now(),
        );
        let offset = offset_of(&p);
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
        let mut log = SessionLog::new(ConnectionStateRecovery::default());
        let first = log.append(&event("seen"), &opts(&[], &[]), now);
        log.append(&event("all"), &opts(&[], &[]), now);
        log.append(&event("room-a"), &opts(&["a"], &[]), now);
        log.append(&event("room-b"), &opts(&["b"], &[]), now);
        log.append(&event("not-a"), &opts(&[], &["a"]), now);
        log.persist(session("p1", &["sid", "a"]), now);
        let offset = offset_of(&first);
        let s = log.take("p1", &offset, now).expect("kept");
        let missed = log.missed(&s.rooms, &offset);
        let names: Vec<String> = missed.packets.iter().map(|p| p.frame.to_string()).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names[0].starts_with("42[\"all\""));
        assert!(names[1].starts_with("42[\"room-a\""));
        assert!(!missed.gap);
        assert!(
            log.take("p1", &offset, now).is_none(),
            "a session is taken once"
        );
    }

    #[test]
    fn forged_or_foreign_offsets_and_unknown_pids_restore_nothing() {
        let now = Instant::now();
        let mut log = SessionLog::new(ConnectionStateRecovery::default());
        let p = log.append(&event("e"), &opts(&[], &[]), now);
        log.persist(session("p1", &["sid"]), now);
        for forged in ["", "x", "zzzzzzzz-0", &format!("{}-99", &log.prefix), "-1"] {
            assert!(log.take("p1", forged, now).is_none(), "{forged:?}");
        }
        assert!(log.take("other", &offset_of(&p), now).is_none());
        assert!(log.take("p1", &offset_of(&p), now).is_some());
    }

    #[test]
    fn sessions_and_packets_expire() {
        let now = Instant::now();
        let config =
            ConnectionStateRecovery::default().max_disconnection_duration(Duration::from_secs(10));
        let mut log = SessionLog::new(config);
        let p = log.append(&event("e"), &opts(&[], &[]), now);
        log.persist(session("p1", &["sid"]), now);
        let later = now + Duration::from_secs(11);
        log.prune(later);
        assert!(log.is_empty());
        assert!(log.take("p1", &offset_of(&p), later).is_none());
    }

    #[test]
    fn a_flood_is_bounded_and_an_overrun_offset_is_refused() {
        let now = Instant::now();
        let mut log = SessionLog::new(ConnectionStateRecovery::default().max_packets(100));
        let first = log.append(&event("e"), &opts(&[], &[]), now);
        log.persist(session("p1", &["sid"]), now);
        for _ in 0..10_000 {
            log.append(&event("flood"), &opts(&[], &[]), now);
        }
        assert_eq!(log.len().0, 100);
        assert!(
            log.take("p1", &offset_of(&first), now).is_none(),
            "packets were lost"
        );

        let mut log = SessionLog::new(ConnectionStateRecovery::default().max_bytes(1000));
        for _ in 0..10_000 {
            log.append(&event("flood"), &opts(&[], &[]), now);
        }
        assert!(log.bytes <= 1000);
    }
}
