//! The two transports. Each reads packets into the session and writes the session's queue out;
//! neither knows what the messages mean.

pub(crate) mod polling;
pub(crate) mod upgrade;
pub(crate) mod websocket;
pub(crate) mod ws_conn;
mod ws_frame;
mod ws_io;
mod ws_read;
