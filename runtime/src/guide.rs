//! A guide to socketry, typed API first. Each chapter's code compiles as a doc test.
//!
//! 1. [Getting started](getting_started): a typed server and a client, in a few lines.
//! 2. [Events and acknowledgements](events_and_acks): payload types, answers both ways,
//!    arguments that do not match, the untyped API.
//! 3. [Rooms and broadcasts](rooms_and_broadcasts): `join`, `to`, `except`, acknowledgements
//!    from many clients, the sockets of a room.
//! 4. [Namespaces and middlewares](namespaces_and_middlewares): channels of their own,
//!    admission, dynamic namespaces and their limits.
//! 5. [Connection state recovery](recovery): clients that come back as themselves.
//! 6. [Serving: axum and tower](serving): your own routes, CORS, graceful shutdown, a tower
//!    layer.
//! 7. [Clusters](clusters): several nodes on Redis, Node nodes among them.
//! 8. [Configuration](configuration): the options and their defaults, and the logs.
//! 9. [Coming from Node](coming_from_node): the same program side by side.

pub mod getting_started {
    #![doc = include_str!("../docs/guide/getting_started.md")]
}
pub mod events_and_acks {
    #![doc = include_str!("../docs/guide/events_and_acks.md")]
}
pub mod rooms_and_broadcasts {
    #![doc = include_str!("../docs/guide/rooms_and_broadcasts.md")]
}
pub mod namespaces_and_middlewares {
    #![doc = include_str!("../docs/guide/namespaces_and_middlewares.md")]
}
pub mod recovery {
    #![doc = include_str!("../docs/guide/recovery.md")]
}
pub mod serving {
    #![doc = include_str!("../docs/guide/serving.md")]
}
/// Clusters on Redis: this chapter needs feature `redis`, which its code uses.
#[cfg_attr(feature = "redis", doc = include_str!("../docs/guide/clusters.md"))]
pub mod clusters {}
pub mod configuration {
    #![doc = include_str!("../docs/guide/configuration.md")]
}
pub mod coming_from_node {
    #![doc = include_str!("../docs/guide/coming_from_node.md")]
}
