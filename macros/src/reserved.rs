//! The event names Socket.IO keeps for itself, and the most arguments a typed event has: kept
//! here, and given to the runtime by the hidden `__reserved_events!` and `__max_event_args!`,
//! so that `#[events]` rejects at compile time exactly the names the runtime refuses on the
//! wire, and the events the runtime cannot decode.

/// Event names the Socket.IO protocol or the client libraries keep for themselves: the server
/// neither emits them nor dispatches them to handlers.
pub const RESERVED_EVENTS: &[&str] = &[
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

/// The most arguments a typed event declares (the arities `EventArgs` is implemented for):
/// `#[events]` rejects a method with more, at its first extra argument.
pub const MAX_EVENT_ARGS: usize = 12;
