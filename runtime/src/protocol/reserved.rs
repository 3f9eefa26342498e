//! The event names Socket.IO keeps for itself.
//!
//! This file has no imports on purpose: the macro crate compiles it too (`#[path]`), so that
//! `#[events]` rejects at compile time exactly the names the runtime refuses on the wire.

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
