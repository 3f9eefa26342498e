//! The limits of [`serve_with`]: each misbehaving connection is cut off while a healthy client
//! beside it is served.

use super::*;
use crate::engineio::{EngineHandler, EngineIo, EngineIoConfig, EngineSocket, Message};
use axum::Router;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Serves a route `/` answering "hello" (and Engine.IO under `/engine.io`) within `limits`;
/// gives the address and what stops the server.
async fn start(limits: HttpServerConfig) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    struct Echo;
    impl EngineHandler for Echo {
        fn on_message(&self, socket: &Arc<EngineSocket>, message: Message) {
            let _ = socket.send(message);
        }
    }
    let engine = EngineIo::new(EngineIoConfig::default(), Echo);
    let app = Router::new()
        .route("/", axum::routing::get(|| async { "hello" }))
        .merge(engine.router());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve_with(limits, listener, app, async move {
        let _ = stopped.await;
        drop(engine);
    }));
    (addr, stop)
}

/// What the server answers one request on a new connection (everything it sends until it
/// closes, or the first 4 KiB).
async fn answer(addr: SocketAddr, request: &[u8]) -> String {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(request).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let mut got = 0;
    while got < buf.len() {
        match tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf[got..])).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => {
                got += n;
                if String::from_utf8_lossy(&buf[..got]).contains("hello") {
                    break;
                }
            }
            Err(_) => panic!("no answer within 5 s"),
        }
    }
    String::from_utf8_lossy(&buf[..got]).into_owned()
}

const GET: &[u8] = b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";

/// Whether the server closes `tcp` within `within`.
async fn closed_within(tcp: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 64];
    loop {
        match tokio::time::timeout(within, tcp.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn headers_sent_a_byte_at_a_time_or_not_at_all_are_cut_off_at_the_timeout() {
    let limits = HttpServerConfig::default().headers_timeout(Duration::from_millis(400));
    let (addr, _stop) = start(limits).await;
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let mut slow = TcpStream::connect(addr).await.unwrap();
    let dripping = tokio::spawn(async move {
        // Each byte well within the timeout: only a timeout on the whole headers stops it.
        for byte in b"GET / HTTP/1.1\r\nhost: x\r\nx-pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        {
            if slow.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        slow
    });
    // The healthy client beside them is served.
    assert!(answer(addr, GET).await.contains("hello"));
    assert!(
        closed_within(&mut silent, Duration::from_secs(3)).await,
        "silent connection closed"
    );
    let mut slow = dripping.await.unwrap();
    assert!(
        closed_within(&mut slow, Duration::from_secs(3)).await,
        "dripping connection closed"
    );
    assert!(answer(addr, GET).await.contains("hello"));
}

#[tokio::test]
async fn headers_over_the_size_limit_are_refused_with_431() {
    let (addr, _stop) = start(HttpServerConfig::default().max_header_size(8 * 1024)).await;
    let big = format!(
        "GET / HTTP/1.1\r\nhost: x\r\nx-big: {}\r\nconnection: close\r\n\r\n",
        "a".repeat(9 * 1024)
    );
    let reply = answer(addr, big.as_bytes()).await;
    assert!(reply.starts_with("HTTP/1.1 431"), "{reply}");
    // Under the limit, served.
    let fits = format!(
        "GET / HTTP/1.1\r\nhost: x\r\nx-big: {}\r\nconnection: close\r\n\r\n",
        "a".repeat(7 * 1024)
    );
    assert!(answer(addr, fits.as_bytes()).await.contains("hello"));
}

#[tokio::test]
async fn connections_past_the_limit_get_503_and_a_websocket_holds_its_slot() {
    let (addr, _stop) = start(HttpServerConfig::default().max_connections(2)).await;
    // A WebSocket session and an idle keep-alive connection take both slots.
    let mut ws = TcpStream::connect(addr).await.unwrap();
    ws.write_all(
        b"GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nhost: x\r\n\
          connection: upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\n\
          sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    )
    .await
    .unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&seen).contains("\"sid\"") {
        let n = ws.read(&mut buf).await.unwrap();
        assert!(n > 0, "the WebSocket opens");
        seen.extend_from_slice(&buf[..n]);
    }
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let n = idle.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).contains("hello"));

    let refused = answer(addr, GET).await;
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");

    // The upgraded connection gives its slot back when it closes.
    drop(ws);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let reply = answer(addr, GET).await;
        if reply.contains("hello") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "a slot came free: {reply}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(idle);
}

#[tokio::test]
async fn a_shutdown_drops_requests_still_in_progress_at_its_deadline() {
    let app = Router::new().route(
        "/upload",
        axum::routing::post(|body: axum::body::Bytes| async move { body.len().to_string() }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let limits = HttpServerConfig::default().shutdown_timeout(Duration::from_millis(300));
    let server = tokio::spawn(serve_with(limits, listener, app, async move {
        let _ = stopped.await;
    }));
    // An upload that announces 1000 bytes and sends 10.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n0123456789")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(3), server)
        .await
        .expect("serve ends at the deadline")
        .unwrap()
        .unwrap();
    assert!(closed_within(&mut slow, Duration::from_secs(1)).await);
}
