//! `bare` as it was first written, on tokio-tungstenite: a broadcast's text is encoded once,
//! but tungstenite frames and copies it for each connection, through a channel and a sink per
//! connection. Not the machine's limit (`bare` is); kept as the reference point the issue's
//! peer figures were measured against. Listens on `127.0.0.1:$PORT`.

#[path = "bare_common/contract.rs"]
mod contract;

use contract::Request;
use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

type Peers = Arc<Mutex<Vec<mpsc::UnboundedSender<Message>>>>;
type Rooms = Arc<Mutex<HashMap<String, Vec<mpsc::UnboundedSender<Message>>>>>;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let listener = contract::listen(&port)?;
    let peers: Peers = Arc::default();
    let rooms: Rooms = Arc::default();
    loop {
        let (tcp, _) = listener.accept().await?;
        let _ = tcp.set_nodelay(true);
        tokio::spawn(serve(tcp, peers.clone(), rooms.clone()));
    }
}

async fn serve(tcp: tokio::net::TcpStream, peers: Peers, rooms: Rooms) {
    // The same buffers as socketry's defaults, so that memory compares like with like.
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(8 * 1024);
    let Ok(ws) = tokio_tungstenite::accept_async_with_config(tcp, Some(config)).await else {
        return;
    };
    let (mut sink, mut stream) = ws.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Message>();
    peers.lock().unwrap().push(tx.clone());
    let _ = tx.send(Message::text(contract::OPEN));
    let writer = async move {
        while let Some(m) = rx.recv().await {
            if sink.feed(m).await.is_err() {
                return;
            }
            while let Ok(m) = rx.try_recv() {
                if sink.feed(m).await.is_err() {
                    return;
                }
            }
            if sink.flush().await.is_err() {
                return;
            }
        }
    };
    let reader = async move {
        // A binary broadcast's header, sent with the binary message that follows it.
        let mut header = None;
        while let Some(Ok(msg)) = stream.next().await {
            let t = match msg {
                Message::Text(t) => t,
                Message::Binary(data) => {
                    if let Some(header) = header.take() {
                        let attachment = Message::Binary(data);
                        for p in peers.lock().unwrap().iter() {
                            let _ = p.send(Message::clone(&header));
                            let _ = p.send(attachment.clone());
                        }
                    }
                    continue;
                }
                _ => continue,
            };
            let text = |s: String| Message::Text(Utf8Bytes::from(s));
            match contract::parse(t.as_str()) {
                Request::BroadcastBinary(body) => header = Some(text(body)),
                Request::Connect(reply) => {
                    let _ = tx.send(Message::text(reply));
                }
                Request::Broadcast(body) => {
                    // Encoded once for everyone; tungstenite frames it for each.
                    let m = text(body);
                    for p in peers.lock().unwrap().iter() {
                        let _ = p.send(m.clone());
                    }
                }
                Request::BroadcastRoom(room, body) => {
                    let m = text(body);
                    if let Some(members) = rooms.lock().unwrap().get(room) {
                        for p in members {
                            let _ = p.send(m.clone());
                        }
                    }
                }
                Request::Join(room, reply) => {
                    rooms
                        .lock()
                        .unwrap()
                        .entry(room.to_owned())
                        .or_default()
                        .push(tx.clone());
                    let _ = tx.send(text(reply));
                }
                Request::Echo(reply) => {
                    let _ = tx.send(text(reply));
                }
                Request::Other => {}
            }
        }
    };
    tokio::select! {
        _ = writer => {}
        _ = reader => {}
    }
}
