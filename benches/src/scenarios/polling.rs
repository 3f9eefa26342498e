//! Rows over HTTP long-polling: broadcasts to polling receivers, echo, and a flood of requests
//! for sessions that do not exist.

use super::{Tally, connect_all, latencies, now_us};
use crate::client;
use crate::http::{HttpConn, PollingConn};
use crate::servers::{Running, cpu_of};
use crate::stats::Outcome;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Connects `n` polling clients, 100 at a time, in this `LocalSet`.
async fn connect_polling(port: u16, n: usize) -> Vec<PollingConn> {
    connect_all(n, 100, move || async move {
        PollingConn::connect(port).await.ok()
    })
    .await
}

/// Broadcasts from a WebSocket sender to receivers on long-polling, each in its own loop of
/// long polls.
pub(super) async fn polling_broadcast(
    server: &Running,
    receivers: usize,
    payload: usize,
    messages: usize,
    window: usize,
) -> Outcome {
    let port = server.port;
    let conns = connect_polling(port, receivers).await;
    let Ok((sender, _)) = client::connect(port).await else {
        return Outcome {
            lost: (receivers * messages) as u64,
            ..Default::default()
        };
    };
    let n = conns.len();
    let tally = Tally::default();
    let mut tasks = Vec::new();
    for mut conn in conns {
        let tally = tally.clone();
        tasks.push(tokio::task::spawn_local(async move {
            let mut got = 0;
            while got < messages {
                let Ok(packets) = conn.next_packets().await else {
                    return;
                };
                got += packets.iter().filter(|p| tally.take(p)).count();
            }
        }));
    }
    let (mut ssink, mut sstream) = (sender.sink, sender.stream);
    tokio::task::spawn_local(async move {
        while client::next_text(&mut sstream, None).await.is_some() {}
    });
    let body = "x".repeat(payload);
    let (cpu0, gen0) = (server.cpu(), cpu_of("/proc/self/stat"));
    let started = Instant::now();
    let give_up = started + Duration::from_secs(60);
    for seq in 0..messages {
        tally
            .wait_below(seq.saturating_sub(window) * n, give_up)
            .await;
        let frame = format!("42[\"broadcast\",{seq},{},\"{body}\"]", now_us());
        use futures_util::SinkExt;
        let msg = tokio_tungstenite::tungstenite::Message::text(frame);
        if ssink.send(msg).await.is_err() {
            break;
        }
    }
    tally.wait_below(n * messages, give_up).await;
    let elapsed = started.elapsed().as_secs_f64();
    let mut outcome = Outcome {
        rate: tally.delivered.get() as f64 / elapsed,
        lost: (receivers * messages).saturating_sub(tally.delivered.get()) as u64,
        server_cpu: (server.cpu() - cpu0).as_secs_f64() / elapsed,
        generator_cpu: (cpu_of("/proc/self/stat") - gen0).as_secs_f64() / elapsed,
        ..Default::default()
    };
    latencies(std::mem::take(&mut tally.lat.borrow_mut()), &mut outcome);
    for t in tasks {
        t.abort();
    }
    outcome
}

/// Closed loops of emit-with-ack over long-polling: a POST, then long polls until the ack.
pub(super) async fn polling_echo(port: u16, clients: usize, secs: u64) -> Outcome {
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async move {
            let conns = connect_polling(port, clients).await;
            let lost = (clients - conns.len()) as u64;
            let deadline = Instant::now() + Duration::from_secs(secs);
            let rtts: Rc<RefCell<Vec<f64>>> = Rc::default();
            let started = Instant::now();
            let mut tasks = Vec::new();
            for mut conn in conns {
                let rtts = rtts.clone();
                tasks.push(tokio::task::spawn_local(async move {
                    let mut id = 0u64;
                    while Instant::now() < deadline {
                        id += 1;
                        let sent = Instant::now();
                        let emit = format!("42{id}[\"echo\",\"hello\",{id}]");
                        if conn.send(&[&emit]).await.is_err() {
                            return;
                        }
                        let expect = format!("43{id}[");
                        loop {
                            match conn.next_packets().await {
                                Ok(ps) if ps.iter().any(|p| p.starts_with(&expect)) => break,
                                Ok(_) => {}
                                Err(_) => return,
                            }
                        }
                        rtts.borrow_mut().push(sent.elapsed().as_micros() as f64);
                    }
                }));
            }
            for t in tasks {
                let _ = t.await;
            }
            let acks = rtts.borrow().len();
            let mut outcome = Outcome {
                rate: acks as f64 / started.elapsed().as_secs_f64(),
                lost,
                ..Default::default()
            };
            latencies(std::mem::take(&mut rtts.borrow_mut()), &mut outcome);
            outcome
        })
        .await
}

/// Closed loops of polls for a session that does not exist; any answer but 400 is counted
/// as lost.
pub(super) async fn unknown_sid(port: u16, clients: usize, secs: u64) -> Outcome {
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async move {
            let deadline = Instant::now() + Duration::from_secs(secs);
            let times: Rc<RefCell<Vec<f64>>> = Rc::default();
            let wrong = Rc::new(std::cell::Cell::new(0u64));
            let started = Instant::now();
            let mut tasks = Vec::new();
            for c in 0..clients {
                let (times, wrong) = (times.clone(), wrong.clone());
                tasks.push(tokio::task::spawn_local(async move {
                    let Ok(mut http) = HttpConn::connect(port).await else {
                        wrong.set(wrong.get() + 1);
                        return;
                    };
                    let mut i = 0u64;
                    while Instant::now() < deadline {
                        i += 1;
                        // A well-formed id no server gave out, different each time.
                        let path =
                            format!("/socket.io/?EIO=4&transport=polling&sid=bench{c:05}x{i:011}");
                        let sent = Instant::now();
                        match http.request("GET", &path, b"").await {
                            Ok((400, _)) => {
                                times.borrow_mut().push(sent.elapsed().as_micros() as f64)
                            }
                            Ok(_) => wrong.set(wrong.get() + 1),
                            Err(_) => {
                                // The server may close a connection after an error; open
                                // another, as a client would.
                                match HttpConn::connect(port).await {
                                    Ok(h) => http = h,
                                    Err(_) => return,
                                }
                            }
                        }
                    }
                }));
            }
            for t in tasks {
                let _ = t.await;
            }
            let answered = times.borrow().len();
            let mut outcome = Outcome {
                rate: answered as f64 / started.elapsed().as_secs_f64(),
                lost: wrong.get(),
                ..Default::default()
            };
            latencies(std::mem::take(&mut times.borrow_mut()), &mut outcome);
            outcome
        })
        .await
}
