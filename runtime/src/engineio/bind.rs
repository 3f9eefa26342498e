//! The listening socket `serve(addr)` opens: tokio's `TcpListener::bind` with a longer queue
//! of connections waiting to be accepted.
//!
//! tokio (like the standard library) listens with a backlog of 128. When clients reconnect all
//! at once (a server restarted, a network back), connections beyond it are dropped by the
//! kernel before the server sees them, and each such client waits for its SYN to be sent
//! again: 1 s, then 3 s. The reference's Node server listens with 511.

use std::io;
use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpSocket, ToSocketAddrs};

/// Connections the kernel holds for the server before it accepts them (at most the system's
/// `somaxconn`, 4096 by default on Linux).
const BACKLOG: u32 = 1024;

/// Binds the first of `addr`'s addresses that can be bound, as `TcpListener::bind` does.
pub(crate) async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
    let mut last = None;
    for addr in tokio::net::lookup_host(addr).await? {
        match bind_one(addr) {
            Ok(listener) => return Ok(listener),
            Err(e) => last = Some(e),
        }
    }
    Err(last
        .unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to listen on")))
}

fn bind_one(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // As tokio does: a restarted server can bind again while its old connections linger.
    #[cfg(not(windows))]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn connections_past_tokios_128_wait_in_the_queue_not_for_a_syn_retry() {
        let listener = bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // None accepted yet: the kernel holds them all.
        let connects: Vec<_> = (0..400)
            .map(|_| {
                tokio::spawn(tokio::time::timeout(
                    Duration::from_millis(800),
                    tokio::net::TcpStream::connect(addr),
                ))
            })
            .collect();
        let mut connected = Vec::new();
        for c in connects {
            if let Ok(Ok(stream)) = c.await.unwrap() {
                connected.push(stream);
            }
        }
        assert_eq!(connected.len(), 400, "some waited for a SYN retry");
        for _ in 0..400 {
            listener.accept().await.unwrap();
        }
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_nothing_bindable_is_an_error() {
        assert!(
            bind("192.0.2.1:0").await.is_err(),
            "not this machine's address"
        );
    }
}
