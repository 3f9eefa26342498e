//! The scenarios: connect, echo with acknowledgements, broadcast.

use crate::client::{self, Conn};
use crate::servers::{Running, cpu_of};
use crate::stats::{Outcome, quantile};
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
    },
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
                },
                Broadcast {
                    receivers: 1000,
                    payload: 32,
                    messages: 400,
                    window: 10,
                    room: false,
                },
                Broadcast {
                    receivers: 1000,
                    payload: 1024,
                    messages: 200,
                    window: 10,
                    room: false,
                },
                Broadcast {
                    receivers: 1000,
                    payload: 32,
                    messages: 2000,
                    window: 20,
                    room: true,
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
            },
            Broadcast {
                receivers: 1000,
                payload: 32,
                messages: 1000,
                window: 10,
                room: false,
            },
            Broadcast {
                receivers: 5000,
                payload: 32,
                messages: 200,
                window: 5,
                room: false,
            },
            Broadcast {
                receivers: 100,
                payload: 1024,
                messages: 5000,
                window: 20,
                room: false,
            },
            Broadcast {
                receivers: 1000,
                payload: 1024,
                messages: 500,
                window: 10,
                room: false,
            },
            Broadcast {
                receivers: 5000,
                payload: 1024,
                messages: 100,
                window: 5,
                room: false,
            },
            Broadcast {
                receivers: 5000,
                payload: 32,
                messages: 1000,
                window: 10,
                room: true,
            },
        ]
    }

    pub fn label(&self) -> String {
        match self {
            Scenario::Connect { n, .. } => format!("connect {n}"),
            Scenario::Echo { clients, .. } => format!("echo ×{clients}"),
            Scenario::Broadcast {
                receivers,
                payload,
                room: false,
                ..
            } => format!("broadcast {receivers} × {payload} B"),
            Scenario::Broadcast {
                receivers,
                payload,
                room: true,
                ..
            } => format!("room of {} in {receivers} × {payload} B", receivers / 10),
        }
    }

    pub fn unit(&self) -> &'static str {
        match self {
            Scenario::Connect { .. } => "connects/s",
            Scenario::Echo { .. } => "acks/s",
            Scenario::Broadcast { .. } => "deliveries/s",
        }
    }

    pub async fn run(&self, server: &Running) -> Outcome {
        let (cpu0, gen0, t0) = (server.cpu(), cpu_of("/proc/self/stat"), Instant::now());
        let mut outcome = match *self {
            Scenario::Connect { n, concurrency } => connect(server, n, concurrency).await,
            Scenario::Echo { clients, secs } => echo(server.port, clients, secs).await,
            Scenario::Broadcast {
                receivers,
                payload,
                messages,
                window,
                room,
            } => broadcast(server, receivers, payload, messages, window, room).await,
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

fn latencies(mut us: Vec<f64>, outcome: &mut Outcome) {
    us.sort_by(f64::total_cmp);
    outcome.p50_us = quantile(&us, 0.5);
    outcome.p99_us = quantile(&us, 0.99);
    outcome.p999_us = quantile(&us, 0.999);
}

/// Connects many clients, `concurrency` at a time; reads the server's RSS once they are idle.
async fn connect(server: &Running, n: usize, concurrency: usize) -> Outcome {
    let rss_before = server.rss_kib();
    let permits = Rc::new(Semaphore::new(concurrency));
    let held: Rc<RefCell<Vec<Conn>>> = Rc::default();
    let times: Rc<RefCell<Vec<f64>>> = Rc::default();
    let (cpu0, gen0) = (server.cpu(), cpu_of("/proc/self/stat"));
    let started = Instant::now();
    let local = tokio::task::LocalSet::new();
    for _ in 0..n {
        let (permits, held, times, port) =
            (permits.clone(), held.clone(), times.clone(), server.port);
        local.spawn_local(async move {
            let _permit = permits.acquire().await;
            if let Ok((conn, t)) = client::connect(port).await {
                times.borrow_mut().push(t.as_micros() as f64);
                held.borrow_mut().push(conn);
            }
        });
    }
    local.await;
    let elapsed = started.elapsed().as_secs_f64();
    let (server_cpu, generator_cpu) = (
        (server.cpu() - cpu0).as_secs_f64() / elapsed,
        (cpu_of("/proc/self/stat") - gen0).as_secs_f64() / elapsed,
    );
    let connected = held.borrow().len();
    // Idle for a moment, then read what the server holds for them.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_after = server.rss_kib();
    let mut outcome = Outcome {
        rate: connected as f64 / elapsed,
        lost: (n - connected) as u64,
        rss_per_conn_kib: rss_before
            .zip(rss_after)
            .map(|(b, a)| a.saturating_sub(b) as f64 / connected.max(1) as f64),
        server_cpu,
        generator_cpu,
        ..Default::default()
    };
    latencies(std::mem::take(&mut times.borrow_mut()), &mut outcome);
    drop(held);
    outcome
}

/// Closed loops of `42<id>["echo",…]` → `43<id>[…]`.
async fn echo(port: u16, clients: usize, secs: u64) -> Outcome {
    let mut conns = Vec::new();
    for _ in 0..clients {
        if let Ok((c, _)) = client::connect(port).await {
            conns.push(c);
        }
    }
    let lost = (clients - conns.len()) as u64;
    let deadline = Instant::now() + Duration::from_secs(secs);
    let rtts: Rc<RefCell<Vec<f64>>> = Rc::default();
    let started = Instant::now();
    let local = tokio::task::LocalSet::new();
    for mut conn in conns {
        let rtts = rtts.clone();
        local.spawn_local(async move {
            let mut id = 0u64;
            while Instant::now() < deadline {
                id += 1;
                let sent = Instant::now();
                if conn
                    .send(format!("42{id}[\"echo\",\"hello\",{id}]"))
                    .await
                    .is_err()
                {
                    return;
                }
                let expect = format!("43{id}[");
                loop {
                    match conn.next_text().await {
                        Some(t) if t.starts_with(&expect) => break,
                        Some(_) => {}
                        None => return,
                    }
                }
                rtts.borrow_mut().push(sent.elapsed().as_micros() as f64);
            }
        });
    }
    local.await;
    let acks = rtts.borrow().len();
    let mut outcome = Outcome {
        rate: acks as f64 / started.elapsed().as_secs_f64(),
        lost,
        ..Default::default()
    };
    latencies(std::mem::take(&mut rtts.borrow_mut()), &mut outcome);
    outcome
}

/// A sender broadcasts through the server to every receiver; each delivery's latency is taken
/// from the timestamp the sender put in it.
async fn broadcast(
    server: &Running,
    receivers: usize,
    payload: usize,
    messages: usize,
    window: usize,
    room: bool,
) -> Outcome {
    let port = server.port;
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async move {
            let mut conns = Vec::new();
            let permits = Rc::new(Semaphore::new(200));
            let mut pending = Vec::new();
            for _ in 0..receivers {
                let permits = permits.clone();
                pending.push(tokio::task::spawn_local(async move {
                    let _p = permits.acquire().await;
                    client::connect(port).await.ok().map(|(c, _)| c)
                }));
            }
            for p in pending {
                if let Ok(Some(c)) = p.await {
                    conns.push(c);
                }
            }
            // In the room scenario every tenth socket joins room `r` and only they receive; the
            // others stay connected, for the server to skip.
            let mut bystanders = Vec::new();
            if room {
                let mut members = Vec::new();
                for (i, mut conn) in conns.into_iter().enumerate() {
                    if i % 10 != 0 {
                        bystanders.push(conn);
                        continue;
                    }
                    if conn.send("421[\"join\",\"r\"]").await.is_err() {
                        continue;
                    }
                    while let Some(t) = conn.next_text().await {
                        if t.starts_with("431") {
                            members.push(conn);
                            break;
                        }
                    }
                }
                conns = members;
            }
            let expected = if room {
                receivers.div_ceil(10)
            } else {
                receivers
            };
            // In a cluster the sender is on the other node: every delivery crosses Redis.
            let Ok((sender, _)) = client::connect(server.sender_port.unwrap_or(port)).await else {
                return Outcome {
                    lost: (expected * messages) as u64,
                    ..Default::default()
                };
            };
            let n = conns.len();
            let delivered = Rc::new(std::cell::Cell::new(0usize));
            // Wakes the sender when deliveries open its window (no polling on a timer, whose
            // millisecond granularity would idle both sides).
            let progress = Rc::new(tokio::sync::Notify::new());
            let lat: Rc<RefCell<Vec<f64>>> = Rc::default();
            for mut conn in conns {
                let (delivered, lat, progress) = (delivered.clone(), lat.clone(), progress.clone());
                tokio::task::spawn_local(async move {
                    let mut got = 0;
                    while got < messages {
                        let Some(t) = conn.next_text().await else {
                            return;
                        };
                        let Some(rest) = t.strip_prefix("42[\"bcast\",") else {
                            continue;
                        };
                        let mut parts = rest.splitn(3, ',');
                        let _seq = parts.next();
                        if let Some(ts) = parts.next().and_then(|v| v.parse::<u64>().ok()) {
                            lat.borrow_mut().push(now_us().saturating_sub(ts) as f64);
                        }
                        got += 1;
                        delivered.set(delivered.get() + 1);
                        progress.notify_one();
                    }
                });
            }
            // The sender's own copies are drained in the background.
            let (mut ssink, mut sstream) = (sender.sink, sender.stream);
            tokio::task::spawn_local(async move {
                while client::next_text(&mut sstream, None).await.is_some() {}
            });
            let body = "x".repeat(payload);
            let (cpu0, gen0) = (server.cpu(), cpu_of("/proc/self/stat"));
            let started = Instant::now();
            let give_up = started + Duration::from_secs(60);
            for seq in 0..messages {
                while delivered.get() + window * n < seq * n && Instant::now() < give_up {
                    let _ =
                        tokio::time::timeout(Duration::from_millis(100), progress.notified()).await;
                }
                let frame = if room {
                    format!("42[\"broadcast_room\",\"r\",{seq},{},\"{body}\"]", now_us())
                } else {
                    format!("42[\"broadcast\",{seq},{},\"{body}\"]", now_us())
                };
                use futures_util::SinkExt;
                if ssink
                    .send(tokio_tungstenite::tungstenite::Message::text(frame))
                    .await
                    .is_err()
                {
                    break;
                }
            }
            while delivered.get() < n * messages && Instant::now() < give_up {
                let _ = tokio::time::timeout(Duration::from_millis(100), progress.notified()).await;
            }
            let elapsed = started.elapsed().as_secs_f64();
            let mut outcome = Outcome {
                rate: delivered.get() as f64 / elapsed,
                lost: (expected * messages).saturating_sub(delivered.get()) as u64,
                server_cpu: (server.cpu() - cpu0).as_secs_f64() / elapsed,
                generator_cpu: (cpu_of("/proc/self/stat") - gen0).as_secs_f64() / elapsed,
                ..Default::default()
            };
            latencies(std::mem::take(&mut lat.borrow_mut()), &mut outcome);
            drop(bystanders);
            outcome
        })
        .await
}
