#!/usr/bin/env bash
# Start-up latency of new WebSocket sessions, socketry against the Node reference, interleaved
# (see startup.mjs). Not part of the test command. Usage: bash benches/startup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --prefix benches/node --no-audit --no-fund >/dev/null
cargo build --release --example bench_server
PORT=3101 target/release/examples/bench_server & rs=$!
PORT=3102 node benches/node/server.js & js=$!
trap 'kill $rs $js 2>/dev/null' EXIT
sleep 1
node benches/node/startup.mjs socketry=3101 node=3102
