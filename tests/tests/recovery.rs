//! Connection state recovery end to end: `tests/node/recovery.test.mjs` drives
//! `socket.io-client` v4 against two servers of `support/recovery_server.rs`, one with the
//! default options (middlewares skipped on recovery) and one that runs the middlewares and keeps
//! sessions for 2 s only.

use socketry::ConnectionStateRecovery;
use socketry_tests::{node, recovery_server};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_state_recovery_end_to_end() {
    let default = recovery_server::start(ConnectionStateRecovery::default()).await;
    let strict = recovery_server::start(
        ConnectionStateRecovery::default()
            .skip_middlewares(false)
            .max_disconnection_duration(Duration::from_secs(2)),
    )
    .await;
    node::run(
        "recovery.test.mjs",
        &[
            ("SOCKETRY_URL", default.url()),
            ("SOCKETRY_URL_STRICT", strict.url()),
        ],
        Duration::from_secs(180),
    )
    .await;
}
