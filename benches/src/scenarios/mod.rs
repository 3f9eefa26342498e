//! The scenarios: connect, echo with acknowledgements, broadcast (to all, to a room, to many
//! small rooms at once, to polling clients), polling echo, a flood of unknown sessions.

mod broadcast;
mod connections;
mod polling;

use crate::client::{self, Conn};
use crate::servers::{Running, cpu_of};
use crate::stats::{Outcome, quantile};
use broadcast::{Fanout, broadcast, fan_out};
use connections::{connect, echo, idle, idle_connections};
use polling::{polling_echo, unknown_sid};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::LazyLock;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// The clock every timestamp in a broadcast is taken against.
static START: LazyLock<Instant> = LazyLock::new(Instant::now);

fn now_us() -> u64 {
    START.elapsed().as_micros() as u64
}

/// One scenario and its size.
#[derive(Debug, Clone)]
pub enum Scenario {
    /// `n` sessions through the full handshake, `concurrency` at a time, then held.
    Connect { n: usize, concurrency: usize },
    /// `n` sessions connected (from several loopback addresses), then held idle for `hold`
    /// seconds, answering the server's pings: what idle connections cost in memory and in
    /// heartbeat CPU.
    Idle { n: usize, hold: u64 },
    /// `clients` closed loops of emit-with-ack for `secs`.
    Echo { clients: usize, secs: u64 },
    /// A sender broadcasts `messages` of `payload` bytes to `receivers`, at most `window`
    /// broadcasts ahead of the slowest delivery.
    Broadcast {
        receivers: usize,
        payload: usize,
        messages: usize,
        window: usize,
        /// To a room holding a tenth of the sockets (the others connected, receiving nothing).
        room: bool,
        /// The receivers on HTTP long-polling (the sender on WebSocket).
        polling: bool,
    },
    /// [`Broadcast`](Self::Broadcast) to every socket, the payload as a binary attachment.
    BinaryBroadcast {
        receivers: usize,
        payload: usize,
        messages: usize,
        window: usize,
    },
    /// `rooms` rooms of `members` sockets each; in every room one member broadcasts `messages`
    /// to its room (all members, itself included), at most `window` ahead of its room's
    /// slowest delivery: a chat's traffic, every room at once.
    Rooms {
        rooms: usize,
        members: usize,
        payload: usize,
        messages: usize,
        window: usize,
    },
    /// `clients` closed loops of emit-with-ack over HTTP long-polling, for `secs`.
    PollingEcho { clients: usize, secs: u64 },
    /// `clients` keep-alive connections asking for a session that does not exist, in closed
    /// loops for `secs`: what a flood of stale or forged session ids costs (each must get the
    /// reference's 400 `Session ID unknown`).
    UnknownSid { clients: usize, secs: u64 },
}

impl Scenario {
    /// The quick set (about a minute) or the full one.
    pub fn all(quick: bool) -> Vec<Scenario> {
        use Scenario::*;
        if quick {
            return vec![
                Connect {
                    n: 1000,
                    concurrency: 100,
                },
                Echo {
                    clients: 1,
                    secs: 2,
                },
                Echo {
                    clients: 100,
                    secs: 2,
                },
                Broadcast {
                    receivers: 100,
                    payload: 32,
                    messages: 3000,
                    window: 20,
                    room: false,
                    polling: false,
                },
                Broadcast {
                    receivers: 1000,
                    payload: 32,
                    messages: 400,
                    window: 10,
                    room: false,
                    polling: false,
                },
                Broadcast {
                    receivers: 1000,
                    payload: 1024,
                    messages: 200,
                    window: 10,
                    room: false,
                    polling: false,
                },
                Broadcast {
                    receivers: 1000,
                    payload: 32,
                    messages: 2000,
                    window: 20,
                    room: true,
                    polling: false,
                },
                Broadcast {
                    receivers: 1000,
                    payload: 64 * 1024,
                    messages: 20,
                    window: 4,
                    room: false,
                    polling: false,
                },
                BinaryBroadcast {
                    receivers: 1000,
                    payload: 1024,
                    messages: 200,
                    window: 10,
                },
                Rooms {
                    rooms: 2000,
                    members: 5,
                    payload: 32,
                    messages: 20,
                    window: 4,
                },
                Broadcast {
                    receivers: 100,
                    payload: 32,
                    messages: 1000,
                    window: 20,
                    room: false,
                    polling: true,
                },
                PollingEcho {
                    clients: 100,
                    secs: 2,
                },
                UnknownSid {
                    clients: 50,
                    secs: 2,
                },
            ];
        }
        vec![
            Connect {
                n: 1000,
                concurrency: 100,
            },
            Connect {
                n: 10_000,
                concurrency: 200,
            },
            Idle {
                n: idle_connections(),
                hold: 30,
            },
            Echo {
                clients: 1,
                secs: 5,
            },
            Echo {
                clients: 100,
                secs: 5,
            },
            Broadcast {
                receivers: 100,
                payload: 32,
                messages: 10000,
                window: 20,
                room: false,
                polling: false,
            },
            Broadcast {
                receivers: 1000,
                payload: 32,
                messages: 1000,
                window: 10,
                room: false,
                polling: false,
            },
            Broadcast {
                receivers: 5000,
                payload: 32,
                messages: 200,
                window: 5,
                room: false,
                polling: false,
            },
            Broadcast {
                receivers: 100,
                payload: 1024,
                messages: 5000,
                window: 20,
                room: false,
                polling: false,
            },
            Broadcast {
                receivers: 1000,
                payload: 1024,
                messages: 500,
                window: 10,
                room: false,
                polling: false,
            },
            Broadcast {
                receivers: 5000,
                payload: 1024,
                messages: 100,
                window: 5,
                room: false,
                polling: false,
            },
            Broadcast {
                receivers: 5000,
                payload: 32,
                messages: 1000,
                window: 10,
                room: true,
                polling: false,
            },
            Broadcast {
                receivers: 1000,
                payload: 64 * 1024,
                messages: 50,
                window: 4,
                room: false,
                polling: false,
            },
            BinaryBroadcast {
                receivers: 1000,
                payload: 1024,
                messages: 500,
                window: 10,
            },
            BinaryBroadcast {
                receivers: 5000,
                payload: 1024,
                messages: 100,
                window: 5,
            },
            Rooms {
                rooms: 2000,
                members: 5,
                payload: 32,
                messages: 50,
                window: 4,
            },
            Broadcast {
                receivers: 100,
                payload: 32,
                messages: 3000,
                window: 20,
                room: false,
                polling: true,
            },
            Broadcast {
                receivers: 1000,
                payload: 32,
                messages: 300,
                window: 10,
                room: false,
                polling: true,
            },
            PollingEcho {
                clients: 100,
                secs: 5,
            },
            PollingEcho {
                clients: 1000,
                secs: 5,
            },
            UnknownSid {
                clients: 50,
                secs: 5,
            },
        ]
    }

    pub fn label(&self) -> String {
        match self {
            Scenario::Connect { n, .. } => format!("connect {n}"),
            Scenario::Idle { n, .. } => format!("idle {n}"),
            Scenario::Echo { clients, .. } => format!("echo ×{clients}"),
            Scenario::Broadcast {
                receivers,
                payload,
                room: false,
                polling,
                ..
            } => format!(
                "{}broadcast {receivers} × {}",
                if *polling { "polling " } else { "" },
                size(*payload)
            ),
            Scenario::Broadcast {
                receivers,
                payload,
                room: true,
                ..
            } => format!(
                "room of {} in {receivers} × {}",
                receivers / 10,
                size(*payload)
            ),
            Scenario::BinaryBroadcast {
                receivers, payload, ..
            } => format!("binary broadcast {receivers} × {}", size(*payload)),
            Scenario::Rooms {
                rooms,
                members,
                payload,
                ..
            } => format!("rooms {rooms} × {members} × {}", size(*payload)),
            Scenario::PollingEcho { clients, .. } => format!("polling echo ×{clients}"),
            Scenario::UnknownSid { clients, .. } => format!("unknown sid ×{clients}"),
        }
    }

    /// Whether a server must speak HTTP long-polling for this row (the bare WebSocket servers
    /// do not).
    pub fn needs_polling(&self) -> bool {
        matches!(
            self,
            Scenario::Broadcast { polling: true, .. }
                | Scenario::PollingEcho { .. }
                | Scenario::UnknownSid { .. }
        )
    }

    pub fn unit(&self) -> &'static str {
        match self {
            Scenario::Connect { .. } | Scenario::Idle { .. } => "connects/s",
            Scenario::Echo { .. } => "acks/s",
            Scenario::Broadcast { .. }
            | Scenario::BinaryBroadcast { .. }
            | Scenario::Rooms { .. } => "deliveries/s",
            Scenario::PollingEcho { .. } => "acks/s",
            Scenario::UnknownSid { .. } => "requests/s",
        }
    }

    pub async fn run(&self, server: &Running) -> Outcome {
        let (cpu0, gen0, t0) = (server.cpu(), cpu_of("/proc/self/stat"), Instant::now());
        let mut outcome = match *self {
            Scenario::Connect { n, concurrency } => connect(server, n, concurrency).await,
            Scenario::Idle { n, hold } => idle(server, n, hold).await,
            Scenario::Echo { clients, secs } => echo(server.port, clients, secs).await,
            Scenario::Broadcast {
                receivers,
                payload,
                messages,
                window,
                room,
                polling,
            } => {
                let fanout = match (room, polling) {
                    (_, true) => Fanout::Polling,
                    (true, false) => Fanout::Room,
                    (false, false) => Fanout::All,
                };
                broadcast(server, receivers, payload, messages, window, fanout).await
            }
            Scenario::BinaryBroadcast {
                receivers,
                payload,
                messages,
                window,
            } => broadcast(server, receivers, payload, messages, window, Fanout::Binary).await,
            Scenario::Rooms {
                rooms,
                members,
                payload,
                messages,
                window,
            } => fan_out(server, rooms, members, payload, messages, window).await,
            Scenario::PollingEcho { clients, secs } => {
                polling_echo(server.port, clients, secs).await
            }
            Scenario::UnknownSid { clients, secs } => unknown_sid(server.port, clients, secs).await,
        };
        // A scenario that measured its own phase (the broadcasts, not the connects before them)
        // has set these already.
        if outcome.server_cpu == 0.0 {
            let wall = t0.elapsed().as_secs_f64();
            outcome.server_cpu = (server.cpu() - cpu0).as_secs_f64() / wall;
            outcome.generator_cpu = (cpu_of("/proc/self/stat") - gen0).as_secs_f64() / wall;
        }
        outcome
    }
}

/// `32 B`, `1024 B`, `64 KiB` (the earlier rows' labels kept as they were).
fn size(bytes: usize) -> String {
    if bytes >= 16 * 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} B")
    }
}

fn latencies(mut us: Vec<f64>, outcome: &mut Outcome) {
    us.sort_by(f64::total_cmp);
    outcome.p50_us = quantile(&us, 0.5);
    outcome.p99_us = quantile(&us, 0.99);
    outcome.p999_us = quantile(&us, 0.999);
}

/// What a receiver counts: a delivery, with its latency from the timestamp the sender put in it.
#[derive(Clone, Default)]
struct Tally {
    delivered: Rc<std::cell::Cell<usize>>,
    lat: Rc<RefCell<Vec<f64>>>,
    progress: Rc<tokio::sync::Notify>,
}

impl Tally {
    /// Counts `t` if it is a `bcast` (`42["bcast",seq,ts,…]`).
    fn take(&self, t: &str) -> bool {
        let Some(rest) = t.strip_prefix("42[\"bcast\",") else {
            return false;
        };
        match timestamp(rest) {
            Some(ts) => self.take_at(ts),
            None => self.count(),
        }
        true
    }

    /// The timestamp of a binary `bcast`'s header (`451-["bcast",seq,ts,{…}]`); the delivery
    /// is counted when its attachment comes.
    fn binary_header(t: &str) -> Option<u64> {
        timestamp(t.strip_prefix("451-[\"bcast\",")?)
    }

    /// Counts a delivery sent at `ts`.
    fn take_at(&self, ts: u64) {
        self.lat
            .borrow_mut()
            .push(now_us().saturating_sub(ts) as f64);
        self.count();
    }

    /// Counts one delivery, and wakes the sender waiting on this count.
    fn count(&self) {
        self.delivered.set(self.delivered.get() + 1);
        self.progress.notify_one();
    }

    /// Waits until `target` deliveries have been counted, or `give_up`.
    async fn wait_below(&self, target: usize, give_up: Instant) {
        while self.delivered.get() < target && Instant::now() < give_up {
            let _ =
                tokio::time::timeout(Duration::from_millis(100), self.progress.notified()).await;
        }
    }
}

/// The timestamp in `seq,ts,…`, what follows a `bcast`'s name.
fn timestamp(args: &str) -> Option<u64> {
    args.split(',').nth(1)?.parse().ok()
}

/// Connects `n` WebSocket clients, 200 at a time, in this `LocalSet`.
async fn connect_many(port: u16, n: usize) -> Vec<Conn> {
    connect_all(n, 200, move || async move {
        client::connect(port).await.ok().map(|(c, _)| c)
    })
    .await
}

/// Runs `connect` `n` times, `at_once` at a time, in this `LocalSet`; keeps what connected.
async fn connect_all<C, F, Fut>(n: usize, at_once: usize, connect: F) -> Vec<C>
where
    C: 'static,
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Option<C>> + 'static,
{
    let permits = Rc::new(Semaphore::new(at_once));
    let pending: Vec<_> = (0..n)
        .map(|_| {
            let (permits, attempt) = (permits.clone(), connect());
            tokio::task::spawn_local(async move {
                let _p = permits.acquire().await;
                attempt.await
            })
        })
        .collect();
    let mut conns = Vec::new();
    for p in pending {
        if let Ok(Some(c)) = p.await {
            conns.push(c);
        }
    }
    conns
}
