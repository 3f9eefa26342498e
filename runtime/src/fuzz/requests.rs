//! The HTTP long-polling request path, fuzzed: sequences of requests built from a description
//! (method, query, session, headers, body framing) go through a whole server's router, and
//! what must hold is checked after each request and after each sequence.
//!
//! It needs a tokio runtime whose clock is paused (a poll waits for the next ping, which a
//! paused clock reaches at once), which only tokio's `test-util` gives; the caller builds it
//! (the fuzz target and the test that replays the corpus both have that feature).

use crate::engineio::EngineIoConfig;
use crate::protocol::engineio::payload;
use crate::{Server, ServerConfig, Socket};
use axum::body::Body;
use bytes::Bytes;
use http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::runtime::Runtime;
use tower::ServiceExt;

/// A server and the runtime it runs on, kept from one input to the next (each input leaves
/// nothing behind, which is one of the checks).
#[allow(missing_debug_implementations)]
pub struct PollingWorld {
    rt: Runtime,
    io: Server,
    router: axum::Router,
}

/// A session a handshake opened: its id and whether it speaks Engine.IO v3.
struct Session {
    sid: String,
    v3: bool,
}

/// What a request gave back.
struct Answer {
    status: StatusCode,
    binary: bool,
    body: Bytes,
}

impl PollingWorld {
    /// A server on `rt` (current-thread, clock paused): v3 allowed, small limits so that
    /// inputs reach them, a main namespace with events that answer, join rooms and
    /// broadcast, and dynamic namespaces removed once empty.
    pub fn new(rt: Runtime) -> Self {
        let (io, router) = rt.block_on(async {
            let config = ServerConfig::default()
                .engine(
                    EngineIoConfig::default()
                        .allow_eio3(true)
                        .max_http_buffer_size(2048)
                        .max_buffered_packets(64),
                )
                .max_attachments(2)
                .max_arguments(8)
                .max_json_depth(16)
                .max_child_namespaces(4)
                .cleanup_empty_child_namespaces(true);
            let io = Server::new(config);
            io.of("/").on_connection(|socket: Socket| async move {
                socket.on("echo", |s, args, _| async move {
                    let _ = s.emit("echo", &args);
                });
                socket.on("ack", |_, args, ack| async move {
                    if let Some(ack) = ack {
                        let _ = ack.send(&args);
                    }
                });
                socket.on("join", |s, args, _| async move {
                    s.join(args.get::<String>(0).unwrap_or_default());
                });
                socket.on("room", |s, args, _| async move {
                    let room: String = args.get(0).unwrap_or_default();
                    let _ = s.to(room).emit("room", &args);
                });
                socket.on("ask", |s, _, _| async move {
                    let _ = s
                        .timeout(Duration::from_secs(1))
                        .emit_with_ack("question", &())
                        .await;
                });
            });
            io.dynamic_namespace(regex::Regex::new(r"^/d-\d$").expect("a pattern"))
                .on_connection(|socket: Socket| async move {
                    socket.on("echo", |s, args, _| async move {
                        let _ = s.emit("echo", &args);
                    });
                });
            let router = io.router();
            (io, router)
        });
        PollingWorld { rt, io, router }
    }

    /// Runs the requests `input` describes, beside a healthy client. Per request, three bytes
    /// then a body: `op` (method: bits 0-1; session: bits 2-3, none for a handshake, the
    /// newest, the oldest or an unknown one; `EIO`: bits 4-5, 4, 3, none or junk; transport:
    /// bits 6-7), `flags` (bit 0 `b64`; bit 1 binary content type; bit 2 a `Content-Length`
    /// past the limit; bit 3 the body framed as one Engine.IO message; bit 4 a Socket.IO
    /// `CONNECT` first; bit 5 a junk query parameter), a body length, the body.
    pub fn check(&self, input: &[u8]) {
        self.rt.block_on(self.run(input));
    }

    async fn run(&self, mut input: &[u8]) {
        let healthy = handshake_v4(&self.router).await;
        post(&self.router, &healthy, "40").await;
        // It polls all along, as a real client does, and answers pings.
        let seen = Arc::new(Mutex::new(Vec::new()));
        let polling = tokio::spawn(keep_polling(
            self.router.clone(),
            query(&healthy),
            seen.clone(),
        ));
        let mut sessions: Vec<Session> = Vec::new();
        while let &[op, flags, len, ref rest @ ..] = input {
            let len = usize::from(len).min(rest.len());
            let (body, next) = rest.split_at(len);
            input = next;
            self.one(op, flags, body, &mut sessions).await;
        }
        // As a real client, it emits once its CONNECT is answered.
        let has = |seen: &Mutex<Vec<String>>, prefix: &str| {
            let seen = seen.lock().expect("seen lock");
            seen.iter().any(|p| p.starts_with(prefix))
        };
        let connected = async {
            while !has(&seen, "40{") {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            post(&self.router, &healthy, "4271[\"ack\",\"still here\"]").await;
            while !has(&seen, "4371[\"still here\"]") {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        if tokio::time::timeout(Duration::from_secs(60), connected)
            .await
            .is_err()
        {
            panic!("the healthy client connected and was answered: {seen:?}");
        }
        polling.abort();
        // The healthy client was connected, and stayed so, whatever the others did.
        let seen = seen.lock().expect("seen lock").clone();
        assert!(
            seen[0].starts_with("40{\"sid\":"),
            "healthy client got {seen:?}"
        );
        assert!(
            !seen.iter().any(|p| p == "1" || p.starts_with("HTTP")),
            "{seen:?}"
        );
        for session in &sessions {
            let close = if session.v3 { "1:1" } else { "1" };
            let _ = request(&self.router, Method::POST, &query(session), close.into()).await;
        }
        // Past every heartbeat and connect timeout: whatever is left closes.
        tokio::time::sleep(Duration::from_secs(120)).await;
        let stats = self.io.stats();
        assert_eq!(
            (
                stats.sessions,
                stats.sockets,
                stats.rooms,
                stats.pending_acks
            ),
            (0, 0, 0, 0),
            "{stats:?}"
        );
        assert_eq!(stats.namespaces, 1, "child namespaces removed once empty");
    }

    async fn one(&self, op: u8, flags: u8, body: &[u8], sessions: &mut Vec<Session>) {
        let method = match op & 3 {
            0 => Method::GET,
            1 | 2 => Method::POST,
            _ => Method::PUT,
        };
        let eio = ["&EIO=4", "&EIO=3", "", "&EIO=x"][usize::from(op >> 4 & 3)];
        let transport = ["polling", "polling", "websocket", "flash"][usize::from(op >> 6)];
        let (sid, v3) = match op >> 2 & 3 {
            0 => (None, eio == "&EIO=3"),
            1 => sessions
                .last()
                .map_or((None, false), |s| (Some(s.sid.clone()), s.v3)),
            2 => sessions
                .first()
                .map_or((None, false), |s| (Some(s.sid.clone()), s.v3)),
            _ => (Some("AAAAAAAAAAAAAAAAAAAA".to_owned()), false),
        };
        let mut url = format!("/socket.io/?transport={transport}{eio}");
        if let Some(sid) = &sid {
            url.push_str("&sid=");
            url.push_str(sid);
        }
        if flags & 1 != 0 {
            url.push_str("&b64=1");
        }
        if flags & 32 != 0 {
            url.push_str("&t=");
            url.extend(form_urlencoded::byte_serialize(body));
        }
        let body = frame(body, flags, v3);
        let content_type = if flags & 2 != 0 {
            "application/octet-stream"
        } else {
            "text/plain;charset=UTF-8"
        };
        let mut request = Request::builder()
            .method(method.clone())
            .uri(&url)
            .header(header::CONTENT_TYPE, content_type);
        if flags & 4 != 0 {
            request = request.header(header::CONTENT_LENGTH, "1000000");
        }
        let Ok(request) = request.body(Body::from(body)) else {
            return;
        };
        let answer = send(&self.router, request).await;
        let status = answer.status.as_u16();
        assert!(
            matches!(status, 200 | 400 | 403 | 413 | 500),
            "{method} {url}: {status}"
        );
        if status == 400 && !answer.body.is_empty() {
            let error: serde_json::Value =
                serde_json::from_slice(&answer.body).expect("an error body is JSON");
            assert!(
                error["code"].as_u64().is_some_and(|c| c <= 5) && error["message"].is_string(),
                "{error}"
            );
        }
        if status != 200 {
            return;
        }
        match (sid, method) {
            (None, Method::GET) => {
                let text = String::from_utf8_lossy(&answer.body);
                let sid = text
                    .split("\"sid\":\"")
                    .nth(1)
                    .and_then(|rest| rest.split('"').next())
                    .expect("a handshake answers with a session id");
                sessions.push(Session {
                    sid: sid.to_owned(),
                    v3,
                });
            }
            (Some(_), Method::GET) => check_payload(&answer, v3),
            (Some(_), _) => assert_eq!(&answer.body[..], b"ok"),
            (None, method) => panic!("{method} handshake answered 200"),
        }
    }
}

async fn handshake_v4(router: &axum::Router) -> Session {
    let answer = request(router, Method::GET, "EIO=4&transport=polling", Bytes::new()).await;
    let text = String::from_utf8_lossy(&answer.body);
    let open: serde_json::Value =
        serde_json::from_str(text.strip_prefix('0').expect("an open packet")).expect("open JSON");
    Session {
        sid: open["sid"].as_str().expect("a sid").to_owned(),
        v3: false,
    }
}

async fn post(router: &axum::Router, session: &Session, body: &'static str) {
    let answer = request(router, Method::POST, &query(session), body.into()).await;
    assert_eq!(answer.status, StatusCode::OK, "the healthy client's POST");
}

/// Polls `query`'s session until aborted, answering pings, and records each packet (or
/// `HTTP <status>` for a failed poll) in `seen`.
async fn keep_polling(router: axum::Router, query: String, seen: Arc<Mutex<Vec<String>>>) {
    loop {
        let answer = request(&router, Method::GET, &query, Bytes::new()).await;
        if answer.status != StatusCode::OK {
            seen.lock()
                .expect("seen lock")
                .push(format!("HTTP {}", answer.status));
            return;
        }
        let text = String::from_utf8_lossy(&answer.body).into_owned();
        for packet in text.split('\u{1e}') {
            if packet == "2" {
                let pong = Request::post(format!("/socket.io/?{query}"))
                    .body(Body::from("3"))
                    .expect("a request");
                send(&router, pong).await;
            }
            seen.lock().expect("seen lock").push(packet.to_owned());
        }
    }
}

async fn request(router: &axum::Router, method: Method, query: &str, body: Bytes) -> Answer {
    let request = Request::builder()
        .method(method)
        .uri(format!("/socket.io/?{query}"))
        .body(Body::from(body))
        .expect("a request");
    send(router, request).await
}

/// Sends `request`; a poll is answered within a ping interval and timeout at most.
async fn send(router: &axum::Router, request: Request<Body>) -> Answer {
    let answer = tokio::time::timeout(Duration::from_secs(60), async {
        let response = router.clone().oneshot(request).await.expect("infallible");
        let status = response.status();
        let binary = response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v == "application/octet-stream");
        let body = response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes();
        Answer {
            status,
            binary,
            body,
        }
    })
    .await;
    answer.expect("every request is answered within a heartbeat")
}

fn query(session: &Session) -> String {
    let eio = if session.v3 { 3 } else { 4 };
    format!("EIO={eio}&transport=polling&sid={}", session.sid)
}

/// The body a request carries: the bytes as they are, or framed as a payload of one message
/// (v4: `4` and the text; v3: its length in characters first), after a `CONNECT` if asked.
fn frame(body: &[u8], flags: u8, v3: bool) -> Bytes {
    let mut packets: Vec<String> = Vec::new();
    if flags & 16 != 0 {
        packets.push("40".to_owned());
    }
    if flags & 8 != 0 {
        packets.push(format!("4{}", String::from_utf8_lossy(body)));
    } else if packets.is_empty() {
        return Bytes::copy_from_slice(body);
    } else {
        packets.push(String::from_utf8_lossy(body).into_owned());
    }
    if v3 {
        packets
            .iter()
            .map(|p| format!("{}:{p}", p.chars().count()))
            .collect::<String>()
            .into()
    } else {
        packets.join("\u{1e}").into()
    }
}

/// A poll's answer is a payload of the session's protocol whose every packet decodes.
fn check_payload(answer: &Answer, v3: bool) {
    let body = answer.body.clone();
    let decoded: Result<Vec<_>, _> = match (v3, answer.binary) {
        (false, false) => payload::decode_v4(body).collect(),
        (false, true) => panic!("a v4 poll answered in binary"),
        (true, false) => payload::v3::decode_text(body).into_iter().collect(),
        (true, true) => payload::v3::decode_binary(body).into_iter().collect(),
    };
    let packets = decoded.unwrap_or_else(|e| panic!("a poll's answer decodes: {e}"));
    assert!(!packets.is_empty(), "a poll answers with a packet at least");
}
