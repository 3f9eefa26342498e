//! Runs the end-to-end test servers by hand, to drive a `tests/node/*.test.mjs` file from a
//! shell. Prints the Engine.IO server's URL, then the Socket.IO server's:
//!
//! ```text
//! cargo run -p socketry-tests --example e2e_server
//! SOCKETRY_URL=http://127.0.0.1:PORT node --test tests/node/engineio.test.mjs
//! ```

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let engine = socketry_tests::engine_server::start().await;
    let sio = socketry_tests::sio_server::start().await;
    println!("{}", engine.url());
    println!("{}", sio.url());
    let _ = tokio::signal::ctrl_c().await;
}
