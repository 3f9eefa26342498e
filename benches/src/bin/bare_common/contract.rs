//! The benchmark's contract as both bare servers answer it: what a client's text message asks
//! for, parsed with no Socket.IO machinery, and how they listen.

/// The open packet every bare connection starts with.
pub const OPEN: &str = r#"0{"sid":"bare0000000000000000","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;

/// What a client's text message asks for, with the text to send for it.
pub enum Request<'a> {
    /// `40` → the CONNECT reply.
    Connect(&'static str),
    /// `42["broadcast",…]` → `42["bcast",…]` to everyone.
    Broadcast(String),
    /// `451-["broadcast_bin",…]` and the binary frame after it → `451-["bcast",…]` and that
    /// frame, to everyone.
    BroadcastBinary(String),
    /// `42["broadcast_room","<room>",…]` → `42["bcast",…]` to that room's members.
    BroadcastRoom(&'a str, String),
    /// `42<id>["join","<room>"]` → joined, then `43<id>[]`.
    Join(&'a str, String),
    /// `42<id>["echo",…]` → `43<id>[…]`.
    Echo(String),
    /// Anything else: no answer.
    Other,
}

pub fn parse(t: &str) -> Request<'_> {
    if t == "40" {
        Request::Connect(r#"40{"sid":"bare0000000000000000"}"#)
    } else if let Some(rest) = t.strip_prefix("42[\"broadcast\",") {
        Request::Broadcast(format!("42[\"bcast\",{rest}"))
    } else if let Some(rest) = t.strip_prefix("451-[\"broadcast_bin\",") {
        Request::BroadcastBinary(format!("451-[\"bcast\",{rest}"))
    } else if let Some(rest) = t.strip_prefix("42[\"broadcast_room\",\"") {
        match rest.split_once("\",") {
            Some((room, rest)) => Request::BroadcastRoom(room, format!("42[\"bcast\",{rest}")),
            None => Request::Other,
        }
    } else if let Some((id, room)) = t
        .strip_prefix("42")
        .and_then(|r| r.split_once("[\"join\",\""))
    {
        Request::Join(room.trim_end_matches("\"]"), format!("43{id}[]"))
    } else if let Some(rest) = t.strip_prefix("42") {
        let id_end = rest.find('[').unwrap_or(0);
        let args = rest[id_end..].strip_prefix("[\"echo\",").unwrap_or("]");
        Request::Echo(format!("43{}[{args}", &rest[..id_end]))
    } else {
        Request::Other
    }
}

/// Listens on `127.0.0.1:port` with socketry's backlog (1,024; tokio's `bind` gives 128, which
/// bursts of 200 handshakes overflowed, each dropped client then waiting a second): the limit of
/// the machine, not of a queue length.
pub fn listen(port: &str) -> std::io::Result<tokio::net::TcpListener> {
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}")
        .parse()
        .map_err(std::io::Error::other)?;
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}
