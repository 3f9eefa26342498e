//! A minimal Socket.IO v5 client over WebSocket (Engine.IO v4): just what the load needs, with
//! no client library in the hot path.

use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

pub type Sink = SplitSink<WebSocketStream<TcpStream>, Message>;
pub type Stream = SplitStream<WebSocketStream<TcpStream>>;

/// A connected socket of namespace `/`.
pub struct Conn {
    pub sink: Sink,
    pub stream: Stream,
}

/// How long a connect took, in all and to the Engine.IO `open` packet (TCP, the HTTP upgrade
/// and the `open`): the rest is the Socket.IO `CONNECT` and its answer.
#[derive(Clone, Copy)]
pub struct Handshake {
    pub total: Duration,
    pub opened: Duration,
}

/// Connects through the full handshake (Engine.IO open, Socket.IO CONNECT); returns how long
/// it took.
pub async fn connect(port: u16) -> std::io::Result<(Conn, Handshake)> {
    connect_from(port, None).await
}

/// [`connect`] from a given loopback address (`127.0.0.x`): one source address has about
/// 28,000 ephemeral ports to a server's port, which the largest rows need more than.
pub async fn connect_from(
    port: u16,
    source: Option<std::net::Ipv4Addr>,
) -> std::io::Result<(Conn, Handshake)> {
    let started = Instant::now();
    let tcp = match source {
        None => TcpStream::connect(("127.0.0.1", port)).await?,
        Some(ip) => {
            let socket = tokio::net::TcpSocket::new_v4()?;
            socket.bind((ip, 0).into())?;
            socket.connect(([127, 0, 0, 1], port).into()).await?
        }
    };
    tcp.set_nodelay(true)?;
    let url = format!("ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket");
    // tungstenite zeroes its whole read buffer (128 KiB by default) before each read: with many
    // small frames that memset was the generator's first cost (a profile showed it), so the
    // buffer is as small as the servers'.
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0);
    let (ws, _) = tokio_tungstenite::client_async_with_config(url, tcp, Some(config))
        .await
        .map_err(std::io::Error::other)?;
    let (sink, stream) = ws.split();
    let mut conn = Conn { sink, stream };
    let open = conn
        .next_text()
        .await
        .ok_or_else(|| std::io::Error::other("no open packet"))?;
    if !open.starts_with('0') {
        return Err(std::io::Error::other("not an open packet"));
    }
    let opened = started.elapsed();
    conn.send("40").await?;
    loop {
        let t = conn
            .next_text()
            .await
            .ok_or_else(|| std::io::Error::other("no CONNECT"))?;
        if t.starts_with("40") {
            break;
        }
    }
    let total = started.elapsed();
    Ok((conn, Handshake { total, opened }))
}

impl Conn {
    pub async fn send(&mut self, text: impl Into<Utf8Bytes>) -> std::io::Result<()> {
        self.sink
            .send(Message::Text(text.into()))
            .await
            .map_err(std::io::Error::other)
    }

    /// The next text message, answering pings on the way.
    pub async fn next_text(&mut self) -> Option<Utf8Bytes> {
        next_text(&mut self.stream, Some(&mut self.sink)).await
    }

    /// The next text or binary message, answering pings on the way.
    pub async fn next_message(&mut self) -> Option<Incoming> {
        next_message(&mut self.stream, Some(&mut self.sink)).await
    }
}

/// A message from the server: text, or a binary attachment.
pub enum Incoming {
    Text(Utf8Bytes),
    Binary(Bytes),
}

/// The next text message of `stream`; pings are answered through `sink` when given.
pub async fn next_text(stream: &mut Stream, mut sink: Option<&mut Sink>) -> Option<Utf8Bytes> {
    loop {
        if let Incoming::Text(t) = next_message(stream, sink.as_deref_mut()).await? {
            return Some(t);
        }
    }
}

/// The next text or binary message of `stream`; pings are answered through `sink` when given.
pub async fn next_message(stream: &mut Stream, mut sink: Option<&mut Sink>) -> Option<Incoming> {
    loop {
        match stream.next().await? {
            Ok(Message::Text(t)) if t.as_str() == "2" => {
                if let Some(s) = sink.as_deref_mut() {
                    let _ = s.send(Message::text("3")).await;
                }
            }
            Ok(Message::Text(t)) => return Some(Incoming::Text(t)),
            Ok(Message::Binary(b)) => return Some(Incoming::Binary(b)),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
}
