//! Engine.IO end to end: `tests/node/engineio.test.mjs` drives the npm `engine.io-client` (and
//! raw HTTP / WebSocket requests) against the server of `support/engine_server.rs`.

use socketry_tests::{engine_server, node};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_io_client_end_to_end() {
    let server = engine_server::start().await;
    node::run(
        "engineio.test.mjs",
        &[("SOCKETRY_URL", server.url())],
        Duration::from_secs(240),
    )
    .await;
}
