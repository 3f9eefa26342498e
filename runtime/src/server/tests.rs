//! The server, through the in-memory harness: namespaces, dynamic namespaces, and the unknown
//! namespace.

use crate::harness::{TestClient, quick_config};
use crate::{Server, Socket};
use serde_json::json;

#[tokio::test]
async fn an_unknown_namespace_is_refused() {
    let io = Server::new(quick_config());
    let mut c = TestClient::open(&io).await;
    c.send(&["40/nowhere,"]).await;
    assert_eq!(
        c.recv().await,
        r#"44/nowhere,{"message":"Invalid namespace"}"#
    );
}

#[tokio::test]
async fn dynamic_namespaces_are_created_on_first_join_and_share_handlers() {
    let io = Server::new(quick_config());
    io.dynamic_namespace(regex::Regex::new(r"^/room-\d+$").unwrap())
        .on_connection(|socket: Socket| async move {
            let _ = socket.emit("in", &socket.ns());
        });
    assert!(io.namespace("/room-1").is_none());
    let mut c = TestClient::open(&io).await;
    c.connect("/room-1", json!({})).await;
    let packet = c.recv_where(|p| p.starts_with("42")).await;
    assert_eq!(packet, r#"42/room-1,["in","/room-1"]"#);
    assert!(io.namespace("/room-1").is_some());
    c.send(&["40/other,"]).await;
    assert!(c.recv().await.starts_with("44/other,"));
}

#[tokio::test]
async fn namespaces_are_separate() {
    let io = Server::new(quick_config());
    io.of("/chat").on_connection(|socket: Socket| async move {
        socket.join("r");
    });
    let mut c = TestClient::open(&io).await;
    c.connect("/chat", json!({})).await;
    assert_eq!(io.of("/chat").room_size("r"), 1);
    assert_eq!(io.of("/").room_size("r"), 0);
    assert!(io.sockets().is_empty(), "nobody in the main namespace");
}

fn rooms(io: &Server) {
    io.dynamic_namespace(regex::Regex::new(r"^/room-\d+$").unwrap())
        .on_connection(|socket: Socket| async move {
            let _ = socket.emit("in", &socket.ns());
        });
}

/// Waits (a bounded while) until `done` holds.
async fn until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..300 {
        if done() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{what}");
}

#[tokio::test]
async fn child_namespaces_stop_at_max_child_namespaces() {
    let io = Server::new(quick_config().max_child_namespaces(2));
    rooms(&io);
    let mut c = TestClient::open(&io).await;
    c.connect("/room-1", json!({})).await;
    c.connect("/room-2", json!({})).await;
    c.send(&["40/room-3,"]).await;
    assert_eq!(
        c.recv_where(|p| p.starts_with("44")).await,
        r#"44/room-3,{"message":"Invalid namespace"}"#
    );
    assert!(io.namespace("/room-3").is_none());
    // Namespaces that exist still take clients, and `of` is not counted.
    let mut other = TestClient::open(&io).await;
    other.connect("/room-2", json!({})).await;
    io.of("/static");
    other.connect("/static", json!({})).await;
    other.connect("/", json!({})).await;
    assert_eq!(io.stats().namespaces, 4);
    // Off by default: an emptied child namespace stays, and still counts.
    c.send(&["41/room-1,"]).await;
    other.send(&["41/room-2,"]).await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(io.namespace("/room-1").is_some());
    c.send(&["40/room-4,"]).await;
    assert!(
        c.recv_where(|p| p.starts_with("4"))
            .await
            .starts_with("44/room-4,")
    );
}

#[tokio::test]
async fn empty_child_namespaces_are_cleaned_up_when_asked() {
    let io = Server::new(
        quick_config()
            .max_child_namespaces(1)
            .cleanup_empty_child_namespaces(true),
    );
    rooms(&io);
    let mut a = TestClient::open(&io).await;
    let mut b = TestClient::open(&io).await;
    a.connect("/room-1", json!({})).await;
    b.connect("/room-1", json!({})).await;
    a.send(&["41/room-1,"]).await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(io.namespace("/room-1").is_some(), "b is still there");
    let inner = std::sync::Arc::downgrade(&io.0.namespaces.read().unwrap()["/room-1"]);
    b.send(&["41/room-1,"]).await;
    until("the empty namespace is removed", || {
        io.namespace("/room-1").is_none()
    })
    .await;
    // Freed, with its adapter (which holds it only weakly).
    until("the removed namespace is freed", || {
        inner.upgrade().is_none()
    })
    .await;
    // Its place under max_child_namespaces is free again; a client vanishing empties it too.
    a.connect("/room-2", json!({})).await;
    a.vanish();
    until("the vanished client's namespace is removed", || {
        io.namespace("/room-2").is_none()
    })
    .await;
    // (b stopped polling meanwhile, so its session timed out: a new client.)
    let mut c = TestClient::open(&io).await;
    c.connect("/room-1", json!({})).await;
    let packet = c.recv_where(|p| p.starts_with("42")).await;
    assert_eq!(packet, r#"42/room-1,["in","/room-1"]"#);
    // A namespace made with `of` is never removed.
    io.of("/static");
    c.connect("/static", json!({})).await;
    c.send(&["41/static,"]).await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(io.namespace("/static").is_some());
}

#[tokio::test]
async fn a_child_namespace_is_not_removed_under_a_client_joining_it() {
    let io = Server::new(quick_config().cleanup_empty_child_namespaces(true));
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(0));
    let g = gate.clone();
    io.dynamic_namespace(regex::Regex::new(r"^/room-\d+$").unwrap())
        .middleware(move |socket: Socket| {
            let g = g.clone();
            async move {
                // The second client waits here until let through.
                if socket.handshake().auth["wait"] == true {
                    let _ = g.acquire().await.map(|p| p.forget());
                }
                Ok(())
            }
        });
    let mut a = TestClient::open(&io).await;
    let mut b = TestClient::open(&io).await;
    a.connect("/room-1", json!({})).await;
    b.send(&[r#"40/room-1,{"wait":true}"#]).await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    a.send(&["41/room-1,"]).await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(io.namespace("/room-1").is_some(), "b is joining it");
    gate.add_permits(1);
    assert!(
        b.recv_where(|p| p.starts_with("4"))
            .await
            .starts_with("40/room-1,")
    );
    let ns = io.namespace("/room-1").expect("b's namespace");
    assert_eq!(
        ns.sockets().len(),
        1,
        "b is in the namespace the server knows"
    );
    // A refused join leaves nothing behind.
    io.dynamic_namespace(regex::Regex::new(r"^/closed-\d+$").unwrap())
        .middleware(|_: Socket| async { Err(crate::MiddlewareError::new("closed")) });
    a.send(&["40/closed-1,"]).await;
    assert!(
        a.recv_where(|p| p.starts_with("4"))
            .await
            .starts_with("44/closed-1,")
    );
    until("the refused namespace is removed", || {
        io.namespace("/closed-1").is_none()
    })
    .await;
}

#[tokio::test]
async fn a_child_namespace_keeping_sessions_for_recovery_stays_until_they_expire() {
    let recovery = crate::ConnectionStateRecovery::default()
        .max_disconnection_duration(std::time::Duration::from_millis(300));
    let io = Server::new(
        quick_config()
            .connection_state_recovery(recovery)
            .cleanup_empty_child_namespaces(true),
    );
    rooms(&io);
    let mut a = TestClient::open(&io).await;
    a.connect("/room-1", json!({})).await;
    a.vanish();
    until("the session is kept for recovery", || {
        io.stats().recovery_sessions == 1
    })
    .await;
    assert!(io.namespace("/room-1").is_some());
    until("the namespace goes once the session expired", || {
        io.namespace("/room-1").is_none()
    })
    .await;
}
