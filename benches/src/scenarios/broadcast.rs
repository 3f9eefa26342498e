//! Broadcast rows: to every socket, to a room among bystanders, and to many small rooms at
//! once, each with its own sender.

use super::polling::polling_broadcast;
use super::{Tally, connect_many, latencies, now_us};
use crate::client::{self, Conn, Incoming};
use crate::servers::{Running, cpu_of};
use crate::stats::Outcome;
use std::time::{Duration, Instant};

/// Who a broadcast row's receivers are, and how they receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fanout {
    /// Every socket, on WebSocket.
    All,
    /// A room of every tenth socket, the others connected and skipped.
    Room,
    /// Every socket, on HTTP long-polling.
    Polling,
    /// Every socket, on WebSocket, the payload as a binary attachment: each delivery is a
    /// `BINARY_EVENT` header and a binary frame.
    Binary,
}

/// A sender broadcasts through the server to every receiver; each delivery's latency is taken
/// from the timestamp the sender put in it.
pub(super) async fn broadcast(
    server: &Running,
    receivers: usize,
    payload: usize,
    messages: usize,
    window: usize,
    fanout: Fanout,
) -> Outcome {
    let port = server.port;
    let (room, binary) = (fanout == Fanout::Room, fanout == Fanout::Binary);
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async move {
            if fanout == Fanout::Polling {
                return polling_broadcast(server, receivers, payload, messages, window).await;
            }
            let mut conns = connect_many(port, receivers).await;
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
            let tally = Tally::default();
            for mut conn in conns {
                let tally = tally.clone();
                tokio::task::spawn_local(async move {
                    let mut got = 0;
                    // A binary delivery's header, counted when its attachment comes.
                    let mut header = None;
                    while got < messages {
                        let Some(message) = conn.next_message().await else {
                            return;
                        };
                        let counted = match message {
                            Incoming::Text(t) if binary => {
                                header = Tally::binary_header(&t).or(header);
                                false
                            }
                            Incoming::Text(t) => tally.take(&t),
                            // Whole, or it is not a delivery.
                            Incoming::Binary(data) => match header.take() {
                                Some(ts) if data.len() == payload => {
                                    tally.take_at(ts);
                                    true
                                }
                                _ => false,
                            },
                        };
                        if counted {
                            got += 1;
                        }
                    }
                });
            }
            // The sender's own copies are drained in the background.
            let (mut ssink, mut sstream) = (sender.sink, sender.stream);
            tokio::task::spawn_local(async move {
                while client::next_text(&mut sstream, None).await.is_some() {}
            });
            let body = "x".repeat(payload);
            let attachment = bytes::Bytes::from(body.clone().into_bytes());
            let (cpu0, gen0) = (server.cpu(), cpu_of("/proc/self/stat"));
            let started = Instant::now();
            let give_up = started + Duration::from_secs(60);
            for seq in 0..messages {
                tally
                    .wait_below(seq.saturating_sub(window) * n, give_up)
                    .await;
                use futures_util::SinkExt;
                use tokio_tungstenite::tungstenite::Message;
                let sent = match fanout {
                    Fanout::Binary => {
                        let header = format!(
                            "451-[\"broadcast_bin\",{seq},{},{{\"_placeholder\":true,\"num\":0}}]",
                            now_us()
                        );
                        match ssink.feed(Message::text(header)).await {
                            Ok(()) => ssink.send(Message::binary(attachment.clone())).await,
                            Err(e) => Err(e),
                        }
                    }
                    Fanout::Room => {
                        let frame =
                            format!("42[\"broadcast_room\",\"r\",{seq},{},\"{body}\"]", now_us());
                        ssink.send(Message::text(frame)).await
                    }
                    Fanout::All | Fanout::Polling => {
                        let frame = format!("42[\"broadcast\",{seq},{},\"{body}\"]", now_us());
                        ssink.send(Message::text(frame)).await
                    }
                };
                if sent.is_err() {
                    break;
                }
            }
            tally.wait_below(n * messages, give_up).await;
            let elapsed = started.elapsed().as_secs_f64();
            let mut outcome = Outcome {
                rate: tally.delivered.get() as f64 / elapsed,
                lost: (expected * messages).saturating_sub(tally.delivered.get()) as u64,
                server_cpu: (server.cpu() - cpu0).as_secs_f64() / elapsed,
                generator_cpu: (cpu_of("/proc/self/stat") - gen0).as_secs_f64() / elapsed,
                ..Default::default()
            };
            latencies(std::mem::take(&mut tally.lat.borrow_mut()), &mut outcome);
            drop(bystanders);
            outcome
        })
        .await
}

/// Many small rooms, each with its own sender, all at once.
pub(super) async fn fan_out(
    server: &Running,
    rooms: usize,
    members: usize,
    payload: usize,
    messages: usize,
    window: usize,
) -> Outcome {
    let port = server.port;
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async move {
            let conns = connect_many(port, rooms * members).await;
            let expected = rooms * members * messages;
            if conns.len() < rooms * members {
                return Outcome {
                    lost: expected as u64,
                    ..Default::default()
                };
            }
            // Member i is in room i % rooms; every join acknowledged before the first send.
            let mut joined = Vec::new();
            for (i, mut conn) in conns.into_iter().enumerate() {
                joined.push(tokio::task::spawn_local(async move {
                    let join = format!("421[\"join\",\"r{}\"]", i % rooms);
                    conn.send(join).await.ok()?;
                    while let Some(t) = conn.next_text().await {
                        if t.starts_with("431") {
                            return Some(conn);
                        }
                    }
                    None
                }));
            }
            let mut by_room: Vec<Vec<Conn>> = (0..rooms).map(|_| Vec::new()).collect();
            for (i, j) in joined.into_iter().enumerate() {
                if let Ok(Some(conn)) = j.await {
                    by_room[i % rooms].push(conn);
                }
            }
            let all = Tally::default();
            let body = "x".repeat(payload);
            let started = Instant::now();
            let give_up = started + Duration::from_secs(60);
            let (cpu0, gen0) = (server.cpu(), cpu_of("/proc/self/stat"));
            let mut senders = Vec::new();
            for (r, conns) in by_room.into_iter().enumerate() {
                // The room's own count paces its sender; the shared one gives the figures.
                let room = Tally::default();
                let n = conns.len();
                let mut sink = None;
                for conn in conns {
                    let (room, all) = (room.clone(), all.clone());
                    let Conn {
                        sink: s,
                        mut stream,
                    } = conn;
                    if sink.is_none() {
                        sink = Some(s);
                    }
                    tokio::task::spawn_local(async move {
                        let mut got = 0;
                        while got < messages {
                            let Some(t) = client::next_text(&mut stream, None).await else {
                                return;
                            };
                            if all.take(&t) {
                                room.count();
                                got += 1;
                            }
                        }
                    });
                }
                let Some(mut sink) = sink else { continue };
                let body = body.clone();
                senders.push(tokio::task::spawn_local(async move {
                    use futures_util::SinkExt;
                    for seq in 0..messages {
                        room.wait_below((seq.saturating_sub(window)) * n, give_up)
                            .await;
                        let frame = format!(
                            "42[\"broadcast_room\",\"r{r}\",{seq},{},\"{body}\"]",
                            now_us()
                        );
                        let msg = tokio_tungstenite::tungstenite::Message::text(frame);
                        if sink.send(msg).await.is_err() {
                            return;
                        }
                    }
                    room.wait_below(n * messages, give_up).await;
                }));
            }
            for s in senders {
                let _ = s.await;
            }
            let elapsed = started.elapsed().as_secs_f64();
            let mut outcome = Outcome {
                rate: all.delivered.get() as f64 / elapsed,
                lost: expected.saturating_sub(all.delivered.get()) as u64,
                server_cpu: (server.cpu() - cpu0).as_secs_f64() / elapsed,
                generator_cpu: (cpu_of("/proc/self/stat") - gen0).as_secs_f64() / elapsed,
                ..Default::default()
            };
            latencies(std::mem::take(&mut all.lat.borrow_mut()), &mut outcome);
            outcome
        })
        .await
}
