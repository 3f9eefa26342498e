//! A minimal HTTP/1.1 keep-alive client and an Engine.IO v4 long-polling client on it: what
//! the polling and unknown-session rows need, with no client library in the hot path.

use std::io;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One keep-alive connection; requests on it go one at a time.
pub struct HttpConn {
    io: BufReader<TcpStream>,
    port: u16,
}

impl HttpConn {
    pub async fn connect(port: u16) -> io::Result<HttpConn> {
        let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
        tcp.set_nodelay(true)?;
        Ok(HttpConn {
            io: BufReader::with_capacity(16 * 1024, tcp),
            port,
        })
    }

    /// Sends one request and reads its answer: the status and the body (by `Content-Length`
    /// or chunked).
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> io::Result<(u16, Vec<u8>)> {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: keep-alive\r\n",
            self.port
        );
        if method == "POST" {
            head.push_str(&format!(
                "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        out.extend_from_slice(body);
        self.io.get_mut().write_all(&out).await?;
        self.read_answer().await
    }

    async fn read_answer(&mut self) -> io::Result<(u16, Vec<u8>)> {
        let mut line = String::new();
        if self.io.read_line(&mut line).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::other(format!("not a status line: {line:?}")))?;
        let (mut length, mut chunked) = (None, false);
        loop {
            line.clear();
            if self.io.read_line(&mut line).await? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse::<usize>().ok();
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.eq_ignore_ascii_case("chunked");
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.io.read_line(&mut line).await?;
                let size =
                    usize::from_str_radix(line.trim_end().split(';').next().unwrap_or(""), 16)
                        .map_err(|_| io::Error::other("bad chunk size"))?;
                let start = body.len();
                body.resize(start + size + 2, 0);
                self.io.read_exact(&mut body[start..]).await?;
                body.truncate(start + size);
                if size == 0 {
                    break;
                }
            }
        } else if let Some(n) = length {
            body.resize(n, 0);
            self.io.read_exact(&mut body).await?;
        }
        Ok((status, body))
    }
}

/// A Socket.IO v5 client on Engine.IO v4 long-polling: one connection for its long polls, one
/// for what it sends (as a browser does).
pub struct PollingConn {
    poll: HttpConn,
    send: HttpConn,
    path: String,
}

impl PollingConn {
    /// Handshake, `CONNECT` to `/`, and its answer.
    pub async fn connect(port: u16) -> io::Result<PollingConn> {
        let mut poll = HttpConn::connect(port).await?;
        let (status, open) = poll
            .request("GET", "/socket.io/?EIO=4&transport=polling", b"")
            .await?;
        let open = String::from_utf8_lossy(&open).into_owned();
        let sid = open
            .split("\"sid\":\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .filter(|_| status == 200)
            .ok_or_else(|| io::Error::other(format!("no handshake: {status} {open}")))?
            .to_owned();
        let path = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
        let send = HttpConn::connect(port).await?;
        let mut conn = PollingConn { poll, send, path };
        conn.send(&["40"]).await?;
        loop {
            let packets = conn.next_packets().await?;
            if packets.iter().any(|p| p.starts_with("40")) {
                return Ok(conn);
            }
        }
    }

    /// Posts these packets in one payload.
    pub async fn send(&mut self, packets: &[&str]) -> io::Result<()> {
        let body = packets.join("\x1e");
        let (status, _) = self
            .send
            .request("POST", &self.path, body.as_bytes())
            .await?;
        if status != 200 {
            return Err(io::Error::other(format!("POST answered {status}")));
        }
        Ok(())
    }

    /// One long poll: the packets it brought, pings answered on the way (and left out).
    pub async fn next_packets(&mut self) -> io::Result<Vec<String>> {
        let (status, body) = self.poll.request("GET", &self.path, b"").await?;
        if status != 200 {
            return Err(io::Error::other(format!("GET answered {status}")));
        }
        let text = String::from_utf8_lossy(&body);
        let mut packets = Vec::new();
        let mut pinged = false;
        for p in text.split('\x1e') {
            match p {
                "2" => pinged = true,
                "1" => return Err(io::ErrorKind::ConnectionAborted.into()),
                _ => packets.push(p.to_owned()),
            }
        }
        if pinged {
            self.send(&["3"]).await?;
        }
        Ok(packets)
    }
}
