#!/usr/bin/env bash
# The long churn soak: tests/node/soak.test.mjs with many more clients and waves than the test
# command runs (10,000 clients a wave, 6 waves by default), against the same server
# (tests/support/soak_server.rs, release build). Prints each wave's figures (peak sessions,
# rooms, pending acknowledgements, recovery sessions kept; the counts after; resident memory).
#   bash benches/soak.sh                       # 6 waves of 10,000
#   SOAK_CLIENTS=2000 SOAK_WAVES=10 bash benches/soak.sh
#   SOAK_ALLOCATOR=jemalloc bash benches/soak.sh   # the server on jemalloc: its live heap
#                                                  # exactly, and freed pages given back
#                                                  # within a second
#   SOAK_ALLOCATOR=heap-profile bash benches/soak.sh   # jemalloc's heap profiler: what the heap
#                                                  # holds after the last wave and did not
#                                                  # hold at the baseline, by allocation site
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
  # No thread caches, so that jemalloc's count of allocated bytes is the live heap (objects
  # freed into a thread's cache count as allocated, about 1.4 MiB here); dirty pages given back
  # after a second by a background thread, not at the next allocation.
  export _RJEM_MALLOC_CONF="tcache:false,background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0"
fi
if [ "${SOAK_ALLOCATOR:-}" = heap-profile ]; then
  features=(--features heap-profile)
  # One sample per 4 KiB allocated on average: small enough to see what a wave leaves.
  export _RJEM_MALLOC_CONF="prof:true,prof_active:true,lg_prof_sample:12,tcache:false,background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0"
  SOAK_HEAP_DUMPS=$(mktemp -d)
  export SOAK_HEAP_DUMPS
fi
cargo test --release -p socketry-tests "${features[@]}" --test e2e soak -- --exact --nocapture 2>&1 \
  | grep -E "wave [0-9]+:|✔|✖|test result|Error|assert"
if [ -n "${SOAK_HEAP_DUMPS:-}" ]; then
  command -v jeprof > /dev/null || apt-get install -y libjemalloc-dev > /dev/null
  last=$(ls "$SOAK_HEAP_DUMPS"/wave-*.heap | sort -V | tail -1)
  echo "== live heap in $(basename "$last" .heap) that was not in the baseline, by function (sampled)"
  jeprof --text --show_bytes --base="$SOAK_HEAP_DUMPS/baseline.heap" "$(cat "$SOAK_HEAP_DUMPS/program")" "$last" 2> /dev/null | head -40
  echo "== the same, by call stack: jeprof --text --show_bytes --cum --base=$SOAK_HEAP_DUMPS/baseline.heap $(cat "$SOAK_HEAP_DUMPS/program") $last"
fi
