//! What the server logs, as an operator reads it: each socket connecting and leaving at
//! `info`, with its id, namespace, session, transport and reason; and what a handler logs,
//! inside a span that names the socket, the namespace and the event.

use axum::body::Body;
use http_body_util::BodyExt;
use socketry::{Server, ServerConfig, Socket};
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

/// Where the subscriber writes: a buffer the test reads.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

async fn request(app: &axum::Router, method: &str, uri: &str, body: &'static str) -> String {
    let request = axum::http::Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::from(body))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert!(
        response.status().is_success(),
        "{method} {uri}: {}",
        response.status()
    );
    let body = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8_lossy(&body).into_owned()
}

#[tokio::test(flavor = "current_thread")]
async fn connections_and_events_are_logged_with_their_context() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_env_filter("info,socketry=debug")
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let io = Server::new(ServerConfig::default());
    io.of("/").on_connection(|socket: Socket| async move {
        socket.on("hello", |_, _, _| async move {
            tracing::info!("the user's handler runs");
        });
    });
    let app = io.router();
    let open = request(&app, "GET", "/socket.io/?EIO=4&transport=polling", "").await;
    let open: serde_json::Value = serde_json::from_str(&open[1..]).unwrap();
    let session = open["sid"].as_str().unwrap().to_owned();
    let url = format!("/socket.io/?EIO=4&transport=polling&sid={session}");
    request(&app, "POST", &url, "40").await;
    let connected = request(&app, "GET", &url, "").await;
    let sid: serde_json::Value = serde_json::from_str(&connected[2..]).unwrap();
    let sid = sid["sid"].as_str().unwrap().to_owned();
    request(&app, "POST", &url, "42[\"hello\"]").await;
    request(&app, "POST", &url, "41").await;
    tokio::task::yield_now().await;

    let logs = captured.text();
    let line = |needle: &str| {
        logs.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} in the logs:\n{logs}"))
            .to_owned()
    };
    let connected = line("socket connected");
    assert!(connected.contains(" INFO "), "{connected}");
    for field in [
        format!("sid={sid}"),
        "nsp=/".to_owned(),
        format!("session={session}"),
        "transport=\"polling\"".to_owned(),
        "recovered=false".to_owned(),
    ] {
        assert!(connected.contains(&field), "{field} in {connected}");
    }
    let handler = line("the user's handler runs");
    assert!(
        handler.contains(&format!("event{{sid={sid} nsp=/ event=hello}}")),
        "the handler's log is in its event's span: {handler}"
    );
    let disconnected = line("socket disconnected");
    assert!(disconnected.contains(" INFO "), "{disconnected}");
    assert!(
        disconnected.contains("reason=client namespace disconnect"),
        "{disconnected}"
    );
    assert!(line("session opened").contains(&format!("sid={session}")));
}
