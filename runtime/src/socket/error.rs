//! What can fail on a socket: an emit ([`EmitError`]), and an incoming typed event whose
//! arguments do not decode ([`EventError`]).

use crate::protocol::Str;
use crate::protocol::socketio::{Args, ArgsError};
use std::fmt;

/// Why an emit failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The arguments do not serialize to JSON.
    #[error(transparent)]
    Encode(#[from] crate::protocol::socketio::EncodeError),
    /// The socket's connection is closed.
    #[error(transparent)]
    Send(#[from] crate::engineio::SendError),
    /// The event name is reserved.
    #[error("\"{0}\" is a reserved event name")]
    ReservedEvent(String),
}

/// An event whose arguments do not match the types its trait declares. The handler was not
/// called; the socket stays connected.
#[derive(Debug)]
pub struct EventError {
    event: Str,
    args: Args,
    error: ArgsError,
}

impl EventError {
    pub(crate) fn new(event: Str, args: Args, error: ArgsError) -> Self {
        EventError { event, args, error }
    }

    /// The event's name.
    pub fn event(&self) -> &str {
        &self.event
    }

    /// The arguments as received.
    pub fn args(&self) -> &Args {
        &self.args
    }
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid arguments for event \"{}\"", self.event)
    }
}

impl std::error::Error for EventError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}
