//! Runs the end-to-end test server by hand, to drive a `tests/node/*.test.mjs` file from a shell:
//!
//! ```text
//! cargo run -p socketry-tests --example e2e_server        # prints its URL
//! SOCKETRY_URL=http://127.0.0.1:PORT node --test tests/node/engineio.test.mjs
//! ```

#[tokio::main]
async fn main() {
    let server = socketry_tests::engine_server::start().await;
    println!("{}", server.url());
    let _ = tokio::signal::ctrl_c().await;
}
