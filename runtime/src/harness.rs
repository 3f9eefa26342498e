//! The in-memory harness of the core's tests: a Socket.IO client that speaks long-polling to a
//! server's router as in-process HTTP requests (`tower::ServiceExt::oneshot`), with no socket
//! and no port. Each request goes through the whole stack (Engine.IO service, session, Socket.IO
//! client, namespace, adapter), so core behaviour is tested as a client sees it.
//!
//! Every wait is bounded: a packet that does not come fails the test within a few seconds.

use crate::Server;
use crate::engineio::EngineIoConfig;
use crate::server::ServerConfig;
use axum::body::Body;
use http::Request;
use http_body_util::BodyExt;
use std::collections::VecDeque;
use std::time::Duration;
use tower::ServiceExt;

/// How long a test waits for a packet before it fails.
const PATIENCE: Duration = Duration::from_secs(3);

/// A server config whose heartbeats detect a vanished client in a few hundred milliseconds.
pub(crate) fn quick_config() -> ServerConfig {
    ServerConfig::default().engine(
        EngineIoConfig::default()
            .ping_interval(Duration::from_millis(150))
            .ping_timeout(Duration::from_millis(150)),
    )
}

/// One client of the server, on its own Engine.IO session.
pub(crate) struct TestClient {
    router: axum::Router,
    sid: String,
    inbox: VecDeque<String>,
}

impl TestClient {
    /// Opens a session (the Engine.IO handshake) on `io`'s router.
    pub(crate) async fn open<
        C: ?Sized + 'static,
        S: ?Sized + 'static,
        I: ?Sized + 'static,
        D: 'static,
    >(
        io: &Server<C, S, I, D>,
    ) -> TestClient {
        let router = io.router();
        let body = get(&router, "/socket.io/?EIO=4&transport=polling").await;
        let open = body.strip_prefix('0').expect("an open packet");
        let open: serde_json::Value = serde_json::from_str(open).expect("open JSON");
        TestClient {
            router,
            sid: open["sid"].as_str().expect("sid").to_owned(),
            inbox: VecDeque::new(),
        }
    }

    fn url(&self) -> String {
        format!("/socket.io/?EIO=4&transport=polling&sid={}", self.sid)
    }

    /// Sends Engine.IO packets (`"40"`, `"42[\"a\"]"`, …) in one POST.
    pub(crate) async fn send(&self, packets: &[&str]) {
        let request = Request::post(self.url())
            .header("content-type", "text/plain;charset=UTF-8")
            .body(Body::from(packets.join("\u{1e}")))
            .expect("request");
        let response = self.router.clone().oneshot(request).await.expect("POST");
        assert!(response.status().is_success(), "POST {}", response.status());
        let _ = response.into_body().collect().await;
    }

    /// The next packet from the server (pings answered on the way), or a failed test.
    pub(crate) async fn recv(&mut self) -> String {
        tokio::time::timeout(PATIENCE, async {
            loop {
                while let Some(packet) = self.inbox.pop_front() {
                    if packet == "2" {
                        self.send(&["3"]).await;
                        continue;
                    }
                    return packet;
                }
                let body = get(&self.router, &self.url()).await;
                self.inbox.extend(body.split('\u{1e}').map(str::to_owned));
            }
        })
        .await
        .expect("a packet within the test's patience")
    }

    /// The next packet `keep` accepts, the others dropped (answers among other traffic).
    pub(crate) async fn recv_where(&mut self, keep: impl Fn(&str) -> bool) -> String {
        loop {
            let packet = self.recv().await;
            if keep(&packet) {
                return packet;
            }
        }
    }

    /// Joins namespace `nsp` with `auth`; returns the CONNECT answer's data (`{sid, pid?}`).
    pub(crate) async fn connect(
        &mut self,
        nsp: &str,
        auth: serde_json::Value,
    ) -> serde_json::Value {
        let prefix = if nsp == "/" {
            String::new()
        } else {
            format!("{nsp},")
        };
        self.send(&[&format!("40{prefix}{auth}")]).await;
        let answer = self
            .recv_where(|p| p.starts_with("40") || p.starts_with("44"))
            .await;
        let json = &answer[2 + prefix.len()..];
        assert!(answer.starts_with("40"), "connected, not refused: {answer}");
        serde_json::from_str(json).expect("CONNECT answer JSON")
    }

    /// Sends `42<json>` to the main namespace.
    pub(crate) async fn emit(&self, json: &str) {
        self.send(&[&format!("42{json}")]).await;
    }

    /// The next event on the main namespace (`42[...]`), as JSON.
    pub(crate) async fn event(&mut self) -> serde_json::Value {
        let packet = self.recv_where(|p| p.starts_with("42")).await;
        let json = packet.trim_start_matches("42");
        let start = json.find('[').expect("an event's array");
        serde_json::from_str(&json[start..]).expect("event JSON")
    }

    /// Answers the next event that asks for an acknowledgement with `answer` (JSON).
    pub(crate) async fn answer_next_ack(&mut self, answer: &str) {
        let packet = self.recv_where(|p| p.starts_with("42")).await;
        let id: String = packet[2..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        assert!(!id.is_empty(), "an event asking for an ack: {packet}");
        self.send(&[&format!("43{id}[{answer}]")]).await;
    }

    /// Stops polling and sending, as a client whose network went away: the server notices when
    /// the heartbeat times out.
    pub(crate) fn vanish(self) {}
}

async fn get(router: &axum::Router, url: &str) -> String {
    let request = Request::get(url).body(Body::empty()).expect("request");
    let response = router.clone().oneshot(request).await.expect("GET");
    assert!(
        response.status().is_success(),
        "GET {url}: {}",
        response.status()
    );
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    String::from_utf8(bytes.to_vec()).expect("a text payload")
}
