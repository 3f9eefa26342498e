//! `connect_timeout` for every connection of a server, kept by one task rather than one each.
//!
//! A task per connection is scheduled twice around its handshake (its first poll, then its
//! abort when the client joins a namespace), in the run queue where the handshake's own tasks
//! wait: in bursts of connections that queue overflows, and the handshakes pushed out of it
//! waited tens of milliseconds for their `CONNECT` answer. The timeout is the same for every
//! connection, so deadlines come in the order connections do: a queue, and one task that
//! sleeps until the oldest and ends once no client is waiting for its deadline.

use crate::client::Client;
use crate::socket::DisconnectReason;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

pub(crate) struct ConnectTimeout {
    timeout: Duration,
    state: Mutex<State>,
    /// Wakes the task when no client is waiting any more, to let it end early.
    settled: Notify,
}

#[derive(Default)]
struct State {
    /// Deadlines in order, with clients that may have joined or closed since.
    deadlines: VecDeque<(Instant, Weak<Client>)>,
    /// Clients that have neither joined a namespace nor closed.
    waiting: usize,
    running: bool,
}

impl ConnectTimeout {
    pub(crate) fn new(timeout: Duration) -> Arc<Self> {
        Arc::new(ConnectTimeout {
            timeout,
            state: Mutex::default(),
            settled: Notify::new(),
        })
    }

    /// Closes `client` when `timeout` passes before it joins a namespace (or closes, which
    /// [`Client`] reports through [`settle`](Self::settle)).
    pub(crate) fn watch(self: &Arc<Self>, client: &Arc<Client>) {
        let deadline = Instant::now() + self.timeout;
        let mut state = self.state.lock().expect("connect timeout lock");
        state
            .deadlines
            .push_back((deadline, Arc::downgrade(client)));
        state.waiting += 1;
        if !state.running {
            state.running = true;
            tokio::spawn(self.clone().run());
        }
    }

    /// A client watched here joined a namespace or closed: called once for it.
    pub(crate) fn settle(&self) {
        let mut state = self.state.lock().expect("connect timeout lock");
        state.waiting = state.waiting.saturating_sub(1);
        if state.waiting == 0 {
            self.settled.notify_one();
        }
    }

    async fn run(self: Arc<Self>) {
        loop {
            let next = {
                let mut state = self.state.lock().expect("connect timeout lock");
                if state.waiting == 0 {
                    // What is left is of clients that joined or closed.
                    state.deadlines.clear();
                    state.running = false;
                    return;
                }
                state.deadlines.front().map(|(deadline, _)| *deadline)
            };
            let Some(next) = next else {
                // Clients left without settling (their server was dropped first): nothing is
                // left to close.
                let mut state = self.state.lock().expect("connect timeout lock");
                state.waiting = 0;
                state.running = false;
                return;
            };
            tokio::select! {
                () = tokio::time::sleep_until(next) => {}
                () = self.settled.notified() => continue,
            }
            let expired: Vec<Arc<Client>> = {
                let mut state = self.state.lock().expect("connect timeout lock");
                let now = Instant::now();
                let mut expired = Vec::new();
                while let Some((deadline, _)) = state.deadlines.front() {
                    if *deadline > now {
                        break;
                    }
                    let (_, client) = state.deadlines.pop_front().expect("a front");
                    expired.extend(client.upgrade());
                }
                expired
            };
            // Closed outside the lock: closing settles the client, which takes it.
            for client in expired {
                if client.take_connect_deadline() {
                    self.settle();
                    tracing::debug!(sid = %client.engine().id(), "no namespace joined in time");
                    client.close(DisconnectReason::ForcedServerClose);
                }
            }
        }
    }

    #[cfg(test)]
    pub(crate) fn is_running(&self) -> bool {
        self.state.lock().expect("connect timeout lock").running
    }
}

#[cfg(test)]
mod tests {
    use crate::engineio::EngineIoConfig;
    use crate::harness::TestClient;
    use crate::{Server, ServerConfig};
    use serde_json::json;
    use std::time::Duration;

    /// Heartbeats far apart, so that only the connect timeout (300 ms) closes anything.
    fn config() -> ServerConfig {
        ServerConfig::default()
            .connect_timeout(Duration::from_millis(300))
            .engine(
                EngineIoConfig::default()
                    .ping_interval(Duration::from_secs(20))
                    .ping_timeout(Duration::from_secs(20)),
            )
    }

    async fn until(what: &str, done: impl Fn() -> bool) {
        for _ in 0..300 {
            if done() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("not within 3 s: {what}");
    }

    #[tokio::test]
    async fn a_connection_that_joins_nothing_is_closed_at_its_deadline() {
        let io = Server::new(config());
        let started = tokio::time::Instant::now();
        let mut idle = TestClient::open(&io).await;
        let mut joined = TestClient::open(&io).await;
        joined.connect("/", json!({})).await;
        // Its pending poll gets the server's close.
        assert_eq!(idle.recv().await, "1");
        assert!(started.elapsed() >= Duration::from_millis(290));
        until("the idle connection closed", || io.stats().sessions == 1).await;
        assert_eq!(io.sockets().len(), 1, "the joined one stays");
        until("the watch ended", || !io.0.connect_timeout.is_running()).await;
    }

    #[tokio::test]
    async fn one_that_joined_then_left_every_namespace_is_not_closed_by_it() {
        // As in the reference, whose timer is cleared at the first namespace joined.
        let io = Server::new(config());
        let mut c = TestClient::open(&io).await;
        c.connect("/", json!({})).await;
        c.send(&["41"]).await;
        until("the socket left", || io.sockets().is_empty()).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(io.stats().sessions, 1);
    }

    #[tokio::test]
    async fn the_watch_ends_once_no_connection_waits_and_starts_again() {
        let io = Server::new(config().connect_timeout(Duration::from_secs(30)));
        let timeout = io.0.connect_timeout.clone();
        let mut clients = Vec::new();
        for _ in 0..3 {
            clients.push(TestClient::open(&io).await);
        }
        assert!(timeout.is_running());
        for c in &mut clients {
            c.connect("/", json!({})).await;
        }
        // Long before the 30 s deadlines.
        until("the watch ended", || !timeout.is_running()).await;
        let mut late = TestClient::open(&io).await;
        assert!(timeout.is_running(), "a new connection is watched again");
        late.connect("/", json!({})).await;
        until("the watch ended again", || !timeout.is_running()).await;
    }

    #[tokio::test]
    async fn a_connection_closed_before_joining_ends_its_wait() {
        let io = Server::new(config().connect_timeout(Duration::from_secs(30)));
        let c = TestClient::open(&io).await;
        assert!(io.0.connect_timeout.is_running());
        c.send(&["1"]).await;
        until("the session closed", || io.stats().sessions == 0).await;
        until("the watch ended", || !io.0.connect_timeout.is_running()).await;
    }
}
