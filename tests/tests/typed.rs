//! Typed events end to end: `tests/node/typed.test.mjs` drives `socket.io-client` v4 against
//! the `#[events]`-typed server of `support/typed_server.rs`.

use socketry_tests::{node, typed_server};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_events_end_to_end() {
    let server = typed_server::start().await;
    node::run(
        "typed.test.mjs",
        &[("SOCKETRY_URL", server.url())],
        Duration::from_secs(120),
    )
    .await;
}
