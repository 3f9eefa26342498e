#!/usr/bin/env bash
# The long churn soak: tests/node/soak.test.mjs with many more clients and waves than the test
# command runs (10,000 clients a wave, 6 waves by default), against the same server
# (tests/support/soak_server.rs, release build). Prints each wave's figures (peak sessions,
# rooms, pending acknowledgements, recovery sessions kept; the counts after; resident memory).
#   bash benches/soak.sh                       # 6 waves of 10,000
#   SOAK_CLIENTS=2000 SOAK_WAVES=10 bash benches/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --prefix tests --no-audit --no-fund --silent
# Many connections need many file descriptors, in the server and in the clients' process.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
export SOAK_CLIENTS="${SOAK_CLIENTS:-10000}" SOAK_WAVES="${SOAK_WAVES:-6}"
cargo test --release -p socketry-tests --test e2e soak -- --exact --nocapture 2>&1 \
  | grep -E "wave [0-9]+:|✔|✖|test result|Error|assert"
