//! The namespace, through the in-memory harness: middlewares, room sizes, and admission with
//! connection state recovery.

use crate::harness::{TestClient, quick_config};
use crate::{ConnectionStateRecovery, MiddlewareError, Server, Socket};
use serde_json::json;

#[tokio::test]
async fn a_middleware_refusal_is_a_connect_error_with_its_data() {
    let io = Server::new(quick_config());
    io.of("/").middleware(|socket: Socket| async move {
        match socket.handshake().auth["token"].as_str() {
            Some("ok") => Ok(()),
            _ => Err(MiddlewareError::new("no token").with_data(json!({ "code": 7 }))),
        }
    });
    let mut c = TestClient::open(&io).await;
    c.send(&["40{}"]).await;
    assert_eq!(
        c.recv().await,
        r#"44{"message":"no token","data":{"code":7}}"#
    );
    let answer = c.connect("/", json!({ "token": "ok" })).await;
    assert!(answer["sid"].is_string());
}

#[tokio::test]
async fn room_sizes_count_this_nodes_sockets() {
    let io = Server::new(quick_config());
    io.of("/").on_connection(|socket: Socket| async move {
        socket.join("lobby");
        socket.on("sizes", |socket, _, ack| async move {
            let ns = socket.namespace();
            if let Some(ack) = ack {
                let _ = ack.send(&(
                    ns.room_size("lobby"),
                    ns.room_size("none"),
                    ns.sockets().len(),
                ));
            }
        });
    });
    let mut a = TestClient::open(&io).await;
    a.connect("/", json!({})).await;
    let mut b = TestClient::open(&io).await;
    b.connect("/", json!({})).await;
    a.send(&["421[\"sizes\"]"]).await;
    assert_eq!(a.recv_where(|p| p.starts_with("43")).await, "431[2,0,2]");
}

#[tokio::test]
async fn a_vanished_client_is_recovered_with_its_id_rooms_data_and_missed_events() {
    let io =
        Server::new(quick_config().connection_state_recovery(ConnectionStateRecovery::default()));
    io.of("/").on_connection(|socket: Socket| async move {
        let _ = socket.emit("welcome", &socket.recovered());
        if !socket.recovered() {
            socket.join("news");
            socket.data().insert(json!({ "name": "ann" }));
        }
        socket.on("whoami", |socket, _, ack| async move {
            let name = socket.data().get::<serde_json::Value>().cloned();
            if let Some(ack) = ack {
                let _ = ack.send(&(socket.id(), name));
            }
        });
    });
    let mut a = TestClient::open(&io).await;
    let answer = a.connect("/", json!({})).await;
    let (sid, pid) = (answer["sid"].clone(), answer["pid"].clone());
    assert!(pid.is_string(), "recovery gives a private id");
    let welcome = a.event().await;
    assert_eq!(
        (&welcome[0], &welcome[1]),
        (&json!("welcome"), &json!(false)),
        "{welcome}"
    );
    a.vanish();
    // Wait until the server has seen the drop (heartbeat), then miss an event.
    tokio::time::timeout(std::time::Duration::from_secs(3), async {
        while !io.sockets().is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the drop is detected");
    io.to("news").emit("headline", &"missed").unwrap();

    let mut back = TestClient::open(&io).await;
    // As socket.io-client does: the private id, and the offset of the last event received.
    let offset = welcome[2].clone();
    let answer = back
        .connect("/", json!({ "pid": pid, "offset": offset }))
        .await;
    assert_eq!(answer["sid"], sid, "same id");
    let replayed = back.event().await;
    assert_eq!(replayed[0], "headline", "the missed event first");
    assert_eq!(replayed[1], "missed");
    assert!(replayed[2].is_string(), "with its offset");
    let welcome = back.event().await;
    assert_eq!(
        (&welcome[0], &welcome[1]),
        (&json!("welcome"), &json!(true)),
        "{welcome}"
    );
    back.send(&["421[\"whoami\"]"]).await;
    let who = back.recv_where(|p| p.starts_with("43")).await;
    assert_eq!(who, format!("431[{sid},{{\"name\":\"ann\"}}]"));
}
