//! Engine.IO's wire format: packets ([`packet`]) and the payloads that carry several of them
//! in one long-polling body ([`payload`]).

pub mod packet;
pub mod payload;
