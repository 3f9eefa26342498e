//! Socket.IO end to end: `tests/node/socketio.test.mjs` drives the npm `socket.io-client` v4
//! (and raw Engine.IO frames where a client library would hide the server's answer) against the
//! server of `support/sio_server.rs`.

use socketry_tests::{node, sio_server};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_io_client_end_to_end() {
    let server = sio_server::start().await;
    node::run(
        "socketio.test.mjs",
        &[("SOCKETRY_URL", server.url())],
        Duration::from_secs(240),
    )
    .await;
}
