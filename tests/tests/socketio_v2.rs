//! Old clients: `tests/node/socketio-v2.test.mjs` drives the npm `socket.io-client` 2.x (Engine.IO
//! v3, Socket.IO protocol v4) beside v4 clients against the server of `support/sio_server.rs`.

use socketry_tests::{node, sio_server};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_io_client_v2_end_to_end() {
    let server = sio_server::start().await;
    node::run(
        "socketio-v2.test.mjs",
        &[("SOCKETRY_URL", server.url())],
        Duration::from_secs(240),
    )
    .await;
}
