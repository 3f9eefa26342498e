//! The cluster protocol of the reference's `ClusterAdapter`: what nodes of a cluster tell each
//! other, independent of how it travels (a Redis stream and pub/sub for the Redis adapter).

pub mod message;
pub mod packet_wire;
pub mod socket_wire;
