//! Runnable examples for socketry live as `[[example]]` targets of this package; this library
//! holds the one thing they share: where they listen.

use std::net::SocketAddr;

/// Listens on `127.0.0.1:$PORT` (`default` when `PORT` is not set), with errors a person can
/// act on: a `PORT` that is not a port number says so (rather than falling back to the
/// default), and an address in use is named.
pub async fn listen(default: u16) -> std::io::Result<(tokio::net::TcpListener, SocketAddr)> {
    let port: u16 = match std::env::var("PORT") {
        Err(_) => default,
        Ok(p) => p.trim().parse().map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("PORT={p:?} is not a port number (1-65535)"),
            )
        })?,
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot listen on {addr}: {e} (set PORT to use another port)"),
        )
    })?;
    Ok((listener, addr))
}
