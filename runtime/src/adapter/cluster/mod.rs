//! The cluster protocol of the reference's `ClusterAdapter`: what nodes of a cluster tell each
//! other, and [`ClusterAdapter`], which speaks it over any [`ClusterTransport`] (a Redis stream
//! and pub/sub for the Redis adapter), so that a cluster adapter is transport only.

mod incoming;
pub mod message;
mod node;
pub mod packet_wire;
mod recovery;
pub mod socket_wire;
mod transport;

pub use node::{ClusterAdapter, WeakClusterAdapter};
pub use transport::{ClusterTransport, TransportError};
