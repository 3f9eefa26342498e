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
