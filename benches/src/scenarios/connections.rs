//! Rows about connections themselves: connects, idle connections held, echo round trips.

use super::latencies;
use crate::client::{self, Conn, Handshake};
use crate::servers::{Running, cpu_of};
use crate::stats::{Outcome, p50_p99};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Connects many clients, `concurrency` at a time; reads the server's RSS once they are idle.
pub(super) async fn connect(server: &Running, n: usize, concurrency: usize) -> Outcome {
    let rss_before = server.rss_kib();
    let permits = Rc::new(Semaphore::new(concurrency));
    let held: Rc<RefCell<Vec<Conn>>> = Rc::default();
    let times: Rc<RefCell<Vec<Handshake>>> = Rc::default();
    let (cpu0, gen0) = (server.cpu(), cpu_of("/proc/self/stat"));
    let started = Instant::now();
    let local = tokio::task::LocalSet::new();
    for _ in 0..n {
        let (permits, held, times, port) =
            (permits.clone(), held.clone(), times.clone(), server.port);
        local.spawn_local(async move {
            let _permit = permits.acquire().await;
            if let Ok((conn, t)) = client::connect(port).await {
                times.borrow_mut().push(t);
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
    let times = std::mem::take(&mut *times.borrow_mut());
    let us = |d: std::time::Duration| d.as_micros() as f64;
    let [o50, o99] = p50_p99(times.iter().map(|t| us(t.opened)).collect());
    let [c50, c99] = p50_p99(times.iter().map(|t| us(t.total - t.opened)).collect());
    outcome.phases = Some([o50, o99, c50, c99]);
    latencies(times.iter().map(|t| us(t.total)).collect(), &mut outcome);
    drop(held);
    outcome
}

/// 100,000 idle connections, or as many as this machine's hard limit on open files lets one
/// server process (and the generator) hold: a container without `CAP_SYS_RESOURCE` cannot
/// raise it (`ulimit -Hn`), and the row then measures fewer, named in its label.
pub(super) fn idle_connections() -> usize {
    let hard = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| {
            let line = l
                .lines()
                .find(|l| l.starts_with("Max open files"))?
                .to_owned();
            line.split_whitespace().nth(4)?.parse::<usize>().ok()
        })
        .unwrap_or(usize::MAX);
    100_000.min(hard.saturating_sub(1_000))
}

/// Connects `n` clients (20,000 to a loopback source address), 500 at a time, holds them idle
/// for `hold` seconds with every ping answered, and reads what the server spent meanwhile:
/// its CPU (the heartbeats) and its memory per connection.
pub(super) async fn idle(server: &Running, n: usize, hold: u64) -> Outcome {
    let rss_before = server.rss_kib();
    let port = server.port;
    // Beyond the first 20,000, each run from addresses of its own.
    static RUNS: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);
    let subnet = 1 + RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 250;
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async move {
            let permits = Rc::new(Semaphore::new(500));
            let times: Rc<RefCell<Vec<f64>>> = Rc::default();
            let alive = Rc::new(std::cell::Cell::new(0usize));
            let tried = Rc::new(std::cell::Cell::new(0usize));
            let gen0 = cpu_of("/proc/self/stat");
            let started = Instant::now();
            let mut pending = Vec::new();
            for i in 0..n {
                let (permits, times, alive, tried) =
                    (permits.clone(), times.clone(), alive.clone(), tried.clone());
                // The first 20,000 from 127.0.0.1 with no `bind`: `connect` picks a port
                // unique for the whole 4-tuple, and on loopback takes back those of the run
                // before, still in TIME_WAIT. A bound socket's port is one of its own among
                // every address's, so the next 20,000 (where the limits allow) may run short.
                let source = (i >= 20_000)
                    .then(|| std::net::Ipv4Addr::new(127, 0, subnet, (i / 20_000) as u8));
                pending.push(tokio::task::spawn_local(async move {
                    let permit = permits.acquire().await;
                    let connected = client::connect_from(port, source).await;
                    tried.set(tried.get() + 1);
                    drop(permit);
                    let Ok((mut conn, t)) = connected else {
                        return;
                    };
                    times.borrow_mut().push(t.total.as_micros() as f64);
                    alive.set(alive.get() + 1);
                    // Held: pings answered until the row ends and drops the task.
                    while conn.next_text().await.is_some() {}
                    alive.set(alive.get() - 1);
                }));
            }
            while tried.get() < n && started.elapsed() < Duration::from_secs(600) {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let elapsed = started.elapsed().as_secs_f64();
            let connected = times.borrow().len();
            let generator_cpu = (cpu_of("/proc/self/stat") - gen0).as_secs_f64() / elapsed;
            // Settle, then the idle window.
            tokio::time::sleep(Duration::from_secs(2)).await;
            let (cpu1, t1) = (server.cpu(), Instant::now());
            tokio::time::sleep(Duration::from_secs(hold)).await;
            let idle_cpu = (server.cpu() - cpu1).as_secs_f64() / t1.elapsed().as_secs_f64();
            let rss_after = server.rss_kib();
            let mut outcome = Outcome {
                rate: connected as f64 / elapsed,
                // Connections that failed, or that the server dropped while idle.
                lost: (n - alive.get()) as u64,
                rss_per_conn_kib: rss_before
                    .zip(rss_after)
                    .map(|(b, a)| a.saturating_sub(b) as f64 / connected.max(1) as f64),
                server_cpu: idle_cpu,
                generator_cpu,
                ..Default::default()
            };
            latencies(std::mem::take(&mut times.borrow_mut()), &mut outcome);
            for p in pending {
                p.abort();
            }
            outcome
        })
        .await
}

/// Closed loops of `42<id>["echo",…]` → `43<id>[…]`.
pub(super) async fn echo(port: u16, clients: usize, secs: u64) -> Outcome {
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
