//! Acknowledgements: answering a client's, and awaiting a client's answer to ours.

use crate::adapter::{AckFailure, AckOutcome};
use crate::engineio::SendError;
use crate::protocol::Str;
use crate::protocol::socketio::{Args, ArgsError, EncodeError, encode};
use crate::socket::Socket;
use crate::socket::SocketId;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::oneshot;

/// Answers an event whose sender asked for an acknowledgement. It answers once: `send`
/// consumes it.
///
/// Arguments spread like [`Socket::emit`]'s: `ack.send(&(1, "a"))` answers with two
/// arguments, `ack.send(&())` with none.
pub struct AckSender {
    socket: Socket,
    id: u64,
}

impl fmt::Debug for AckSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AckSender")
            .field("socket", &self.socket.id())
            .field("id", &self.id)
            .finish()
    }
}

impl AckSender {
    pub(crate) fn new(socket: Socket, id: u64) -> Self {
        AckSender { socket, id }
    }

    /// The acknowledgement id the client chose.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Sends the acknowledgement.
    pub fn send<T: Serialize + ?Sized>(self, args: &T) -> Result<(), crate::EmitError> {
        let packet = encode::ack(self.socket.ns(), self.id, args)?;
        self.socket.send_packet(&packet, false)?;
        Ok(())
    }
}

/// Why no acknowledgement came.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AckError {
    /// The client did not answer in time.
    #[error("operation has timed out")]
    Timeout,
    /// The socket disconnected before answering.
    #[error("the socket disconnected before answering")]
    Disconnected,
    /// The event could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The event could not be sent.
    #[error(transparent)]
    Send(#[from] SendError),
    /// The event name is reserved.
    #[error("\"{0}\" is a reserved event name")]
    ReservedEvent(String),
    /// The answer does not have the type the event declares.
    #[error("the acknowledgement does not have the declared type")]
    InvalidAnswer(#[source] ArgsError),
}

impl From<crate::EmitError> for AckError {
    fn from(e: crate::EmitError) -> Self {
        match e {
            crate::EmitError::Encode(e) => AckError::Encode(e),
            crate::EmitError::Send(e) => AckError::Send(e),
            crate::EmitError::ReservedEvent(name) => AckError::ReservedEvent(name),
        }
    }
}

impl From<AckFailure> for AckError {
    fn from(failure: AckFailure) -> Self {
        match failure {
            AckFailure::Timeout => AckError::Timeout,
            AckFailure::Disconnected => AckError::Disconnected,
            AckFailure::QueueFull => AckError::Send(SendError::QueueFull),
            AckFailure::Closed => AckError::Send(SendError::Closed),
        }
    }
}

type Decode<T> = fn(Args) -> Result<T, AckError>;

fn keep(args: Args) -> Result<Args, AckError> {
    Ok(args)
}

fn decode<T: DeserializeOwned>(args: Args) -> Result<T, AckError> {
    args.decode_arg(0).map_err(AckError::InvalidAnswer)
}

/// The answer to an emit with an acknowledgement: resolves with the client's answer, or an
/// error once the timeout passes or the socket disconnects. It never hangs.
///
/// Untyped, the answer is its [`Args`]; for a typed event, it is the declared type, decoded
/// from the answer's first argument.
#[must_use = "the acknowledgement is lost unless awaited"]
pub struct AckFuture<T = Args> {
    inner: Pin<Box<dyn Future<Output = Result<Args, AckError>> + Send>>,
    decode: Decode<T>,
}

impl<T> fmt::Debug for AckFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AckFuture")
    }
}

impl AckFuture {
    pub(crate) fn waiting(rx: oneshot::Receiver<Args>, timeout: Duration, nsp: Str) -> Self {
        AckFuture {
            inner: Box::pin(async move {
                match tokio::time::timeout(timeout, rx).await {
                    Ok(Ok(args)) => Ok(args),
                    Ok(Err(_)) => Err(AckError::Disconnected),
                    Err(_) => {
                        crate::metrics::ack_timeout(&nsp);
                        Err(AckError::Timeout)
                    }
                }
            }),
            decode: keep,
        }
    }

    pub(crate) fn failed(e: AckError) -> Self {
        AckFuture {
            inner: Box::pin(std::future::ready(Err(e))),
            decode: keep,
        }
    }

    /// The same answer, decoded into `T`.
    pub(crate) fn decoded<T: DeserializeOwned>(self) -> AckFuture<T> {
        AckFuture {
            inner: self.inner,
            decode: decode::<T>,
        }
    }
}

impl<T> Future for AckFuture<T> {
    type Output = Result<T, AckError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let decode = self.decode;
        self.inner.as_mut().poll(cx).map(|r| r.and_then(decode))
    }
}

/// The answers to a broadcast with acknowledgements: one entry per answer (every socket
/// reached on this node; the sockets of other nodes that answered, with an empty id), each the
/// socket's answer (its [`Args`] untyped, the declared type for a typed event) or why none came.
pub type BroadcastAcks<T = Args> = Vec<(SocketId, Result<T, AckError>)>;

/// The answers to a broadcast with acknowledgements, once every socket reached has answered or
/// the timeout has passed. The packet is sent when the emit is called, not when this is awaited.
#[must_use = "the acknowledgements are lost unless awaited"]
pub struct BroadcastAckFuture<T = Args> {
    inner: Pin<Box<dyn Future<Output = Result<AckOutcome, crate::EmitError>> + Send>>,
    decode: Decode<T>,
}

impl<T> fmt::Debug for BroadcastAckFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BroadcastAckFuture")
    }
}

impl BroadcastAckFuture {
    pub(crate) fn new(
        inner: Pin<Box<dyn Future<Output = Result<AckOutcome, crate::EmitError>> + Send>>,
    ) -> Self {
        BroadcastAckFuture {
            inner,
            decode: keep,
        }
    }

    /// The same answers, decoded into `T`.
    pub(crate) fn decoded<T: DeserializeOwned>(self) -> BroadcastAckFuture<T> {
        BroadcastAckFuture {
            inner: self.inner,
            decode: decode::<T>,
        }
    }
}

impl<T> Future for BroadcastAckFuture<T> {
    type Output = Result<BroadcastAcks<T>, crate::EmitError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let decode = self.decode;
        self.inner.as_mut().poll(cx).map(|r| {
            r.map(|outcome| {
                outcome
                    .responses
                    .into_iter()
                    .map(|response| {
                        let answer = response.answer.map_err(AckError::from).and_then(decode);
                        (response.socket.unwrap_or_default(), answer)
                    })
                    .collect()
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_ack_for_test<T: DeserializeOwned>(args: Args) -> Result<T, AckError> {
        decode(args)
    }

    #[test]
    fn ack_answers_decode_from_the_first_argument() {
        assert_eq!(
            decode_ack_for_test::<u8>(Args::from_json("[7]").unwrap()).unwrap(),
            7
        );
        assert_eq!(
            decode_ack_for_test::<Option<u8>>(Args::default()).unwrap(),
            None
        );
        decode_ack_for_test::<()>(Args::default()).unwrap();
        assert!(decode_ack_for_test::<u8>(Args::from_json(r#"["x"]"#).unwrap()).is_err());
    }
}

#[cfg(test)]
mod end_to_end {
    use crate::harness::{TestClient, quick_config};
    use crate::{AckError, Server, Socket};
    use serde_json::json;
    use std::time::Duration;

    #[tokio::test]
    async fn an_emit_with_ack_resolves_with_the_answer_or_times_out() {
        let io = Server::new(quick_config());
        io.of("/").on_connection(|socket: Socket| async move {
            let answer = socket.emit_with_ack("ask", &1).await;
            let answer: Option<i32> = answer.ok().and_then(|a| a.get(0).ok());
            let late = socket
                .timeout(Duration::from_millis(50))
                .emit_with_ack("ignored", &())
                .await;
            let timed_out = matches!(late, Err(AckError::Timeout));
            let _ = socket.emit("results", &(answer, timed_out));
        });
        let mut c = TestClient::open(&io).await;
        c.connect("/", json!({})).await;
        let packet = c.recv_where(|p| p.starts_with("42")).await;
        assert!(packet.starts_with("420[\"ask\",1]"), "{packet}");
        c.send(&["430[41]"]).await;
        let packet = c.recv_where(|p| p.starts_with("42")).await;
        assert!(packet.ends_with("[\"ignored\"]"), "{packet}");
        assert_eq!(c.event().await, json!(["results", 41, true]));
    }
}
