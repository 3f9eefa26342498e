#!/usr/bin/env bash
# The long churn soak: tests/node/soak.test.mjs with many more clients and waves than the test
# command runs (10,000 clients a wave, 6 waves by default), against the same server
# (tests/support/soak_server.rs, release build). Prints each wave's figures (peak sessions,
# rooms, pending acknowledgements, recovery sessions kept; the counts after; resident memory).
#   bash benches/soak.sh                       # 6 waves of 10,000
#   SOAK_CLIENTS=2000 SOAK_WAVES=10 bash benches/soak.sh
#   SOAK_ALLOCATOR=jemalloc bash benches/soak.sh   # the server on jemalloc, which gives freed
#                                                  # pages back within a second
# With glibc's malloc, the resident memory after a wave of 10,000 stays well above the cold
# baseline although every count is back to 0: the allocator keeps the pages it freed.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --prefix tests --no-audit --no-fund --silent
# Many connections need many file descriptors, in the server and in the clients' process.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
export SOAK_CLIENTS="${SOAK_CLIENTS:-10000}" SOAK_WAVES="${SOAK_WAVES:-6}"
features=()
if [ "${SOAK_ALLOCATOR:-}" = jemalloc ]; then
  features=(--features jemalloc)
  # Dirty pages back to the system after a second, rather than ten.
  export _RJEM_MALLOC_CONF="dirty_decay_ms:1000,muzzy_decay_ms:0"
fi
cargo test --release -p socketry-tests "${features[@]}" --test e2e soak -- --exact --nocapture 2>&1 \
  | grep -E "wave [0-9]+:|✔|✖|test result|Error|assert"
