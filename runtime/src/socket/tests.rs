//! The socket, through the in-memory harness: handlers, acknowledgements, rooms, data,
//! catch-all listeners and disconnection.

use crate::harness::{TestClient, quick_config};
use crate::{Server, Socket};
use serde_json::json;

#[tokio::test]
async fn handlers_answer_acks_and_emits_reach_the_client() {
    let io = Server::new(quick_config());
    io.of("/").on_connection(|socket: Socket| async move {
        let _ = socket.emit("hello", &("you", 1));
        socket.on("double", |_, args, ack| async move {
            let n: i64 = args.get(0).unwrap_or_default();
            if let Some(ack) = ack {
                let _ = ack.send(&(n * 2));
            }
        });
    });
    let mut c = TestClient::open(&io).await;
    c.connect("/", json!({})).await;
    assert_eq!(c.event().await, json!(["hello", "you", 1]));
    c.send(&["4217[\"double\",21]"]).await;
    assert_eq!(c.recv_where(|p| p.starts_with("43")).await, "4317[42]");
}

#[tokio::test]
async fn rooms_data_and_on_any_follow_the_socket() {
    let io = Server::new(quick_config());
    io.of("/").on_connection(|socket: Socket| async move {
        socket.join(["a", "b"]);
        socket.leave("b");
        socket.data().insert(5u8);
        socket.on_any(|socket, event, _| {
            let _ = socket.emit("seen", &event);
        });
        socket.on("info", |socket, _, ack| async move {
            let mut rooms: Vec<String> = socket.rooms().iter().map(|r| r.to_string()).collect();
            rooms.sort();
            let data = socket.data().get::<u8>().copied();
            if let Some(ack) = ack {
                let _ = ack.send(&(rooms.len(), rooms.contains(&"a".to_owned()), data));
            }
        });
    });
    let mut c = TestClient::open(&io).await;
    c.connect("/", json!({})).await;
    c.send(&["421[\"info\"]"]).await;
    assert_eq!(c.event().await, json!(["seen", "info"]));
    assert_eq!(c.recv_where(|p| p.starts_with("43")).await, "431[2,true,5]");
}

#[tokio::test]
async fn a_server_disconnect_tells_the_client_and_runs_the_hooks() {
    let io = Server::new(quick_config());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    io.of("/").on_connection(move |socket: Socket| {
        let tx = tx.clone();
        async move {
            socket.on_disconnect(move |_, reason| {
                let _ = tx.send(reason);
                async {}
            });
            socket.on(
                "bye",
                |socket, _, _| async move { socket.disconnect(false) },
            );
        }
    });
    let mut c = TestClient::open(&io).await;
    c.connect("/", json!({})).await;
    c.emit("[\"bye\"]").await;
    assert_eq!(c.recv_where(|p| p.starts_with("41")).await, "41");
    let reason = tokio::time::timeout(std::time::Duration::from_secs(3), rx.recv())
        .await
        .expect("the disconnect handler ran")
        .expect("a reason");
    assert_eq!(reason, crate::DisconnectReason::ServerNamespaceDisconnect);
}

#[tokio::test]
async fn reserved_names_are_refused_on_emit() {
    let io = Server::new(quick_config());
    io.of("/").on_connection(|socket: Socket| async move {
        let refused = matches!(
            socket.emit("disconnect", &()),
            Err(crate::EmitError::ReservedEvent(_))
        );
        let _ = socket.emit("refused", &refused);
    });
    let mut c = TestClient::open(&io).await;
    c.connect("/", json!({})).await;
    assert_eq!(c.event().await, json!(["refused", true]));
}
