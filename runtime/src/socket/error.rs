//! What can fail on a socket: an emit ([`EmitError`]), and an incoming event whose
//! arguments do not decode or whose handler panics ([`EventError`]).

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

/// An event that could not be handled: its arguments do not match the types its trait
/// declares (the handler was not called), or its handler panicked. The socket stays connected
/// either way; the namespace's [`on_event_error`](crate::Namespace::on_event_error) hook gets
/// it.
#[derive(Debug)]
pub struct EventError {
    event: Str,
    args: Args,
    cause: Cause,
}

#[derive(Debug)]
enum Cause {
    Arguments(ArgsError),
    Panicked(String),
}

impl EventError {
    pub(crate) fn new(event: Str, args: Args, error: ArgsError) -> Self {
        EventError {
            event,
            args,
            cause: Cause::Arguments(error),
        }
    }

    pub(crate) fn panicked(event: Str, args: Args, message: &str) -> Self {
        EventError {
            event,
            args,
            cause: Cause::Panicked(message.to_owned()),
        }
    }

    /// The event's name.
    pub fn event(&self) -> &str {
        &self.event
    }

    /// The arguments as received.
    pub fn args(&self) -> &Args {
        &self.args
    }

    /// The panic's message, when the handler panicked (`None` for arguments that did not
    /// decode, whose error is the [`source`](std::error::Error::source)).
    pub fn panic_message(&self) -> Option<&str> {
        match &self.cause {
            Cause::Panicked(message) => Some(message),
            Cause::Arguments(_) => None,
        }
    }
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            Cause::Arguments(_) => write!(f, "invalid arguments for event \"{}\"", self.event),
            Cause::Panicked(message) => write!(
                f,
                "the handler of event \"{}\" panicked: {message}",
                self.event
            ),
        }
    }
}

impl std::error::Error for EventError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.cause {
            Cause::Arguments(error) => Some(error),
            Cause::Panicked(_) => None,
        }
    }
}
