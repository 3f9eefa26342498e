//! The event names Socket.IO keeps for itself, and the most arguments a typed event has. The
//! macro crate holds them (its `#[events]` checks against the same), and gives them here.

/// Event names the Socket.IO protocol or the client libraries keep for themselves: the server
/// neither emits them nor dispatches them to handlers.
pub const RESERVED_EVENTS: &[&str] = &socketry_macros::__reserved_events!();

/// The most arguments a typed event declares (the arities `EventArgs` is implemented for):
/// `#[events]` rejects a method with more, at its first extra argument.
pub const MAX_EVENT_ARGS: usize = socketry_macros::__max_event_args!();
