//! Socket.IO protocol v5 on top of Engine.IO: the packet codec and binary attachments.
//! Pure functions over bytes; the semantics (namespaces, sockets, rooms) live in the modules
//! that use them.

mod args;
pub(crate) mod binary;
pub(crate) mod encode;
pub mod packet;
mod value;

pub use args::{Args, ArgsError};
pub use encode::{EncodeError, EncodedPacket};
pub use value::Value;
