//! Acknowledgements: answering a client's, and awaiting a client's answer to ours.

use crate::engineio::SendError;
use crate::socket::Socket;
use crate::socketio::{Args, EncodeError, encode};
use serde::Serialize;
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

/// The answer to [`Socket::emit_with_ack`]: resolves with the client's arguments, or an error
/// once the timeout passes or the socket disconnects. It never hangs.
#[must_use = "the acknowledgement is lost unless awaited"]
pub struct AckFuture {
    inner: Pin<Box<dyn Future<Output = Result<Args, AckError>> + Send>>,
}

impl fmt::Debug for AckFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AckFuture")
    }
}

impl AckFuture {
    pub(crate) fn waiting(rx: oneshot::Receiver<Args>, timeout: Duration) -> Self {
        AckFuture {
            inner: Box::pin(async move {
                match tokio::time::timeout(timeout, rx).await {
                    Ok(Ok(args)) => Ok(args),
                    Ok(Err(_)) => Err(AckError::Disconnected),
                    Err(_) => Err(AckError::Timeout),
                }
            }),
        }
    }

    pub(crate) fn failed(e: AckError) -> Self {
        AckFuture {
            inner: Box::pin(std::future::ready(Err(e))),
        }
    }
}

impl Future for AckFuture {
    type Output = Result<Args, AckError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.as_mut().poll(cx)
    }
}
