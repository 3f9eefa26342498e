//! The heartbeat of every session of an engine: pings and their deadlines (v4), or the
//! client's pings awaited (v3), kept by one task rather than one per session.
//!
//! A task per session would be spawned in the middle of each handshake, beside the
//! transport's own tasks: in bursts of handshakes it pushes them out of the worker's run queue,
//! and its timer and future are part of every idle connection's memory. The interval and the
//! timeout are the same for every session, so each kind of deadline comes in the order it was
//! set: three queues in order, and one task that sleeps until the earliest front and ends when
//! all three are empty.
//!
//! A session keeps the one deadline in force ([`Beat`]); an entry whose deadline is no longer
//! its session's (answered, or the session closed) is dropped when it comes up. Entries name
//! sessions by id, so a closed session's memory is not held until its entry comes up.

use super::EngineSocket;
use crate::engineio::engine::EngineShared;
use crate::engineio::errors::CloseReason;
use crate::protocol::Sid;
use crate::protocol::engineio::packet::{Packet, ProtocolVersion};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::Notify;
use tokio::time::Instant;

/// Where a session's heartbeat stands: the deadline in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Beat {
    /// v4: a ping is due at this instant.
    Ping(Instant),
    /// v4: pinged, the pong is due by this instant. v3: the client's next ping is.
    Answer(Instant),
}

/// The heartbeat deadlines of an engine's sessions.
#[derive(Default)]
pub(crate) struct Heartbeats {
    state: Mutex<Queues>,
    /// Wakes the task when an empty queue gets an entry, which may come before the one it
    /// sleeps until.
    wake: Notify,
}

#[derive(Default)]
struct Queues {
    /// v4 sessions due a ping `ping_interval` after they opened or answered the last one.
    pings: VecDeque<(Instant, Sid)>,
    /// v4 sessions pinged, due to answer `ping_timeout` after the ping was due.
    answers: VecDeque<(Instant, Sid)>,
    /// v3 sessions, due a ping from the client `ping_interval + ping_timeout` after the last.
    client_pings: VecDeque<(Instant, Sid)>,
    running: bool,
}

/// What the task has to do now, and when to look again.
struct Round {
    /// The entries due, with the queue each came from.
    due: Vec<(Due, Instant, Sid)>,
    /// When the next entry is due; `None` if every queue is empty.
    next: Option<Instant>,
}

/// Which queue an entry came from.
#[derive(Clone, Copy)]
enum Due {
    Ping,
    Answer,
}

impl Heartbeats {
    /// Sets `socket`'s next deadline from now: its next ping (v4), or the latest its client's
    /// next ping may come (v3). `now` is read under the queues' lock, so that every queue
    /// stays in order.
    fn schedule(&self, engine: &Arc<EngineShared>, socket: &EngineSocket) {
        let config = &engine.config;
        let mut beat = socket.beat.lock().expect("heartbeat lock");
        let mut queues = self.state.lock().expect("heartbeats lock");
        let now = Instant::now();
        let (queue, next) = if socket.protocol == ProtocolVersion::V3 {
            let at = now + config.ping_interval + config.ping_timeout;
            (&mut queues.client_pings, Beat::Answer(at))
        } else {
            (&mut queues.pings, Beat::Ping(now + config.ping_interval))
        };
        let (Beat::Ping(at) | Beat::Answer(at)) = next;
        let was_empty = queue.is_empty();
        queue.push_back((at, socket.id));
        *beat = Some(next);
        if !queues.running {
            queues.running = true;
            let heartbeats = engine.heartbeats.clone();
            tokio::spawn(run(Arc::downgrade(engine), heartbeats));
        } else if was_empty {
            self.wake.notify_one();
        }
    }

    /// The entries due by `now`; `None` once every queue is empty, and the task is to end.
    fn round(&self, now: Instant) -> Option<Round> {
        let mut guard = self.state.lock().expect("heartbeats lock");
        let queues = &mut *guard;
        let mut due = Vec::new();
        for (kind, queue) in [
            (Due::Ping, &mut queues.pings),
            (Due::Answer, &mut queues.answers),
            (Due::Answer, &mut queues.client_pings),
        ] {
            while let Some(&(at, sid)) = queue.front().filter(|(at, _)| *at <= now) {
                queue.pop_front();
                due.push((kind, at, sid));
            }
        }
        let next = [&queues.pings, &queues.answers, &queues.client_pings]
            .into_iter()
            .filter_map(|q| q.front().map(|(at, _)| *at))
            .min();
        if due.is_empty() && next.is_none() {
            queues.running = false;
            return None;
        }
        Some(Round { due, next })
    }
}

/// Pings and expires the engine's sessions as their deadlines come, until none is left.
async fn run(engine: Weak<EngineShared>, heartbeats: Arc<Heartbeats>) {
    let timer = tokio::time::sleep_until(Instant::now());
    tokio::pin!(timer);
    loop {
        let next = {
            let Some(engine) = engine.upgrade() else {
                return;
            };
            let Some(Round { due, next }) = heartbeats.round(Instant::now()) else {
                return;
            };
            if due.is_empty() {
                next
            } else {
                // Outside the queues' lock: a ping wakes the session's writer, an expiry runs
                // the handler's `on_disconnect`.
                for (kind, at, sid) in due {
                    if let Some(socket) = engine.get(sid) {
                        match kind {
                            Due::Ping => socket.ping_if_due(&engine, at),
                            Due::Answer => socket.expire_if_unanswered(at),
                        }
                    }
                }
                // The pings just sent have put in deadlines that may come before `next`.
                continue;
            }
        };
        let Some(next) = next else { continue };
        timer.as_mut().reset(next);
        tokio::select! {
            () = &mut timer => {}
            () = heartbeats.wake.notified() => {}
        }
    }
}

impl EngineSocket {
    /// Starts the heartbeat of a session the engine just opened.
    pub(crate) fn start_heartbeat(&self, engine: &Arc<EngineShared>) {
        engine.heartbeats.schedule(engine, self);
    }

    /// A v4 pong, or a v3 client's ping: the session is alive, and its next round is set
    /// from now. A pong no ping asked for changes nothing.
    pub(crate) fn heard_heartbeat(&self) {
        let answered = matches!(
            *self.beat.lock().expect("heartbeat lock"),
            Some(Beat::Answer(_))
        );
        if !answered {
            return;
        }
        if self.protocol == ProtocolVersion::V3 {
            // v3: the client's pings pace the queue's trims.
            self.queue.trim();
        }
        if let Some(engine) = self.engine.upgrade() {
            engine.heartbeats.schedule(&engine, self);
        }
    }

    /// Sends the ping due at `at`, unless the session's round has moved on since.
    fn ping_if_due(&self, engine: &EngineShared, at: Instant) {
        {
            let mut beat = self.beat.lock().expect("heartbeat lock");
            if *beat != Some(Beat::Ping(at)) {
                return;
            }
            // From when the ping was due, not when it went out: timer latency does not add
            // up, and a session is expired exactly `interval + timeout` after its last pong.
            let deadline = at + engine.config.ping_timeout;
            *beat = Some(Beat::Answer(deadline));
            let mut queues = engine.heartbeats.state.lock().expect("heartbeats lock");
            queues.answers.push_back((deadline, self.id));
        }
        // A full queue means the client is not reading: it will miss the pong deadline.
        let _ = self.queue.push(Packet::Ping);
        self.queue.trim();
    }

    /// Closes the session with `ping timeout` if the answer due by `at` has not come.
    fn expire_if_unanswered(self: &Arc<Self>, at: Instant) {
        let unanswered = *self.beat.lock().expect("heartbeat lock") == Some(Beat::Answer(at));
        if unanswered {
            self.terminate(CloseReason::PingTimeout);
        }
    }

    /// Whether the pong deadline has passed; the session then closes with `ping timeout` now,
    /// whether or not its deadline has come up yet.
    pub(crate) fn expire_if_overdue(self: &Arc<Self>) -> bool {
        let overdue = matches!(
            *self.beat.lock().expect("heartbeat lock"),
            Some(Beat::Answer(d)) if Instant::now() >= d
        );
        if overdue {
            self.terminate(CloseReason::PingTimeout);
        }
        overdue || self.is_terminated()
    }
}

#[cfg(test)]
impl Heartbeats {
    fn is_running(&self) -> bool {
        self.state.lock().expect("heartbeats lock").running
    }
}

#[cfg(test)]
mod tests {
    use crate::engineio::{CloseReason, EngineHandler, EngineIo, EngineIoConfig, EngineSocket};
    use crate::engineio::{Message, Sid};
    use axum::body::Body;
    use http::Request;
    use http_body_util::BodyExt;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;
    use tokio::time::Instant;
    use tower::ServiceExt;

    /// Keeps every close, with when it came.
    #[derive(Default)]
    struct Closes(Mutex<Vec<(Sid, CloseReason, Instant)>>);

    impl EngineHandler for Arc<Closes> {
        fn on_message(&self, _: &Arc<EngineSocket>, _: Message) {}
        fn on_disconnect(&self, socket: &Arc<EngineSocket>, reason: CloseReason) {
            let mut closes = self.0.lock().unwrap();
            closes.push((socket.id(), reason, Instant::now()));
        }
    }

    const INTERVAL: Duration = Duration::from_secs(1);
    const TIMEOUT: Duration = Duration::from_millis(500);

    fn engine() -> (EngineIo, Arc<Closes>) {
        let closes = Arc::new(Closes::default());
        let config = EngineIoConfig::default()
            .ping_interval(INTERVAL)
            .ping_timeout(TIMEOUT)
            .allow_eio3(true);
        (EngineIo::new(config, closes.clone()), closes)
    }

    async fn request(engine: &EngineIo, request: Request<Body>) -> String {
        let response = engine.router().oneshot(request).await.unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        let body = response.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(body.to_vec()).unwrap()
    }

    /// Opens a polling session of protocol `eio`; returns its id.
    async fn open(engine: &EngineIo, eio: u8) -> String {
        let uri = format!("/engine.io/?EIO={eio}&transport=polling");
        let body = request(engine, Request::get(uri).body(Body::empty()).unwrap()).await;
        let json = &body[body.find('{').unwrap()..];
        let open: serde_json::Value = serde_json::from_str(json).unwrap();
        open["sid"].as_str().unwrap().to_owned()
    }

    async fn poll(engine: &EngineIo, eio: u8, sid: &str) -> String {
        let uri = format!("/engine.io/?EIO={eio}&transport=polling&sid={sid}");
        request(engine, Request::get(uri).body(Body::empty()).unwrap()).await
    }

    async fn post(engine: &EngineIo, eio: u8, sid: &str, body: &str) {
        let uri = format!("/engine.io/?EIO={eio}&transport=polling&sid={sid}");
        let post = Request::post(uri)
            .body(Body::from(body.to_owned()))
            .unwrap();
        assert_eq!(request(engine, post).await, "ok");
    }

    #[tokio::test(start_paused = true)]
    async fn pings_every_interval_after_the_last_pong_and_expires_at_the_timeout() {
        let (engine, closes) = engine();
        let opened = Instant::now();
        let sid = open(&engine, 4).await;
        assert_eq!(poll(&engine, 4, &sid).await, "2");
        assert_eq!(opened.elapsed(), INTERVAL);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let answered = Instant::now();
        post(&engine, 4, &sid, "3").await;
        assert_eq!(poll(&engine, 4, &sid).await, "2");
        assert_eq!(answered.elapsed(), INTERVAL, "from the pong, not the ping");
        // Not answered: closed when the pong is due, counted from when the ping was.
        tokio::time::sleep(TIMEOUT * 2).await;
        let closes = closes.0.lock().unwrap();
        assert_eq!(closes.len(), 1);
        let (_, reason, at) = closes[0];
        assert_eq!(reason, CloseReason::PingTimeout);
        assert_eq!(at - answered, INTERVAL + TIMEOUT);
        assert_eq!(engine.session_count(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_pong_is_due_on_time_while_other_sessions_wait_for_their_ping() {
        let (engine, closes) = engine();
        let opened = Instant::now();
        let silent = open(&engine, 4).await;
        // Its ping is due after the first one's pong deadline.
        tokio::time::sleep(Duration::from_millis(800)).await;
        let other = open(&engine, 4).await;
        tokio::time::sleep(TIMEOUT * 2).await;
        let closes = closes.0.lock().unwrap();
        assert_eq!(closes.len(), 1);
        assert_eq!(closes[0].0.to_string(), silent);
        assert_eq!(closes[0].2 - opened, INTERVAL + TIMEOUT);
        assert_eq!(engine.session_count(), 1, "{other} stays");
    }

    #[tokio::test(start_paused = true)]
    async fn a_pong_no_ping_asked_for_is_no_answer() {
        let (engine, closes) = engine();
        let opened = Instant::now();
        let sid = open(&engine, 4).await;
        post(&engine, 4, &sid, "3").await;
        assert_eq!(poll(&engine, 4, &sid).await, "2");
        tokio::time::sleep(TIMEOUT * 2).await;
        let closes = closes.0.lock().unwrap();
        assert_eq!(closes.len(), 1, "the ping that followed went unanswered");
        assert_eq!(closes[0].2 - opened, INTERVAL + TIMEOUT);
    }

    #[tokio::test(start_paused = true)]
    async fn a_v3_session_lives_while_its_client_pings() {
        let (engine, closes) = engine();
        let sid = open(&engine, 3).await;
        let mut last = Instant::now();
        for _ in 0..3 {
            tokio::time::sleep(INTERVAL).await;
            post(&engine, 3, &sid, "1:2").await;
            last = Instant::now();
            assert_eq!(poll(&engine, 3, &sid).await, "1:3");
        }
        tokio::time::sleep((INTERVAL + TIMEOUT) * 2).await;
        let closes = closes.0.lock().unwrap();
        assert_eq!(closes.len(), 1);
        assert_eq!(closes[0].1, CloseReason::PingTimeout);
        assert_eq!(closes[0].2 - last, INTERVAL + TIMEOUT);
    }

    #[tokio::test(start_paused = true)]
    async fn one_task_for_every_session_ending_when_none_is_left() {
        let (engine, closes) = engine();
        let heartbeats = engine.shared.heartbeats.clone();
        let tasks = || {
            tokio::runtime::Handle::current()
                .metrics()
                .num_alive_tasks()
        };
        let before = tasks();
        let mut sids = Vec::new();
        for _ in 0..50 {
            sids.push(open(&engine, 4).await);
        }
        assert!(heartbeats.is_running());
        assert_eq!(tasks(), before + 1);
        // Answered by some, not by the others.
        tokio::time::sleep(INTERVAL).await;
        for sid in &sids[..25] {
            assert_eq!(poll(&engine, 4, sid).await, "2");
            post(&engine, 4, sid, "3").await;
        }
        tokio::time::sleep(TIMEOUT * 2).await;
        assert_eq!(closes.0.lock().unwrap().len(), 25);
        assert_eq!(engine.session_count(), 25);
        for sid in &sids[..25] {
            post(&engine, 4, sid, "1").await;
        }
        assert_eq!(engine.session_count(), 0);
        // Their entries come up and are dropped; then the task ends.
        tokio::time::sleep(INTERVAL * 2).await;
        assert!(!heartbeats.is_running());
        assert_eq!(tasks(), before);
        let sid = open(&engine, 4).await;
        assert!(heartbeats.is_running(), "a new session starts it again");
        assert_eq!(poll(&engine, 4, &sid).await, "2");
    }
}
