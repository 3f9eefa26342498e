//! Shared helpers for the end-to-end tests: servers on loopback ports the OS picks, and a runner
//! for the `node --test` files that drive them with the official npm clients.

pub mod adapter_server;
pub mod cluster_server;
pub mod engine_server;
pub mod node;
pub mod recovery_server;
pub mod server;
pub mod sio_server;
pub mod soak_server;
pub mod typed_server;
