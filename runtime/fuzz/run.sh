#!/usr/bin/env bash
# Runs every fuzz target (cargo-fuzz, libFuzzer, nightly; optimized, with overflow checks and
# debug assertions on) for RUNS executions each (10 million
# by default), starting from the corpus in runtime/fuzz/corpus/, then merges into that corpus
# the inputs that reached new code, so that the test command replays them
# (runtime/tests/fuzz_corpus.rs). A crash stops the run and leaves its input under
# runtime/fuzz/artifacts/<target>/.
#   bash runtime/fuzz/run.sh                      # every target, 10 million runs each
#   RUNS=1000000 bash runtime/fuzz/run.sh socketio_packet
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-fuzz > /dev/null || cargo +nightly install cargo-fuzz --locked
RUNS="${RUNS:-10000000}"
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(engineio_packet polling_payload socketio_packet websocket_frames websocket_built recovery msgpack polling_requests)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in "${targets[@]}"; do
  corpus="fuzz/corpus/$t"
  mkdir -p "$corpus" "$work/$t"
  # polling_requests runs a whole server per input, in safe Rust: without AddressSanitizer,
  # which makes it six times slower there, and with shorter inputs (sequences of requests).
  flags=(-O -a) max_len=4096
  [ "$t" = polling_requests ] && flags=(-O -a -s none) max_len=1024
  echo "== $t: $RUNS runs"
  cargo +nightly fuzz run "${flags[@]}" "$t" "$work/$t" "$corpus" -- -runs="$RUNS" -max_len="$max_len" -print_final_stats=1 2>&1 \
    | grep -E "^Done|stat::number_of_executed_units|stat::peak_rss|ERROR|panicked" || true
  test -z "$(ls -A "fuzz/artifacts/$t" 2>/dev/null)" || { echo "$t: crash, see fuzz/artifacts/$t"; exit 1; }
  cargo +nightly fuzz run "${flags[@]}" "$t" -- -merge=1 "$PWD/$corpus" "$work/$t" > /dev/null 2>&1
done
