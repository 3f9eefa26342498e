//! The two transports. Each reads packets into the session and writes the session's queue out;
//! neither knows what the messages mean.

pub(crate) mod compression;
pub(crate) mod polling;
pub(crate) mod upgrade;
pub(crate) mod ws;
