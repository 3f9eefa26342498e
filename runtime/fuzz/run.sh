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
  # which makes it six times slower there, with shorter inputs (sequences of requests), and
  # without comparison tracing, which took a quarter of its time across the whole server's
  # code. The parsers it reaches are fuzzed with comparison tracing by their own targets.
  flags=(-O -a) max_len=4096
  [ "$t" = polling_requests ] && flags=(-O -a -s none --no-trace-compares) max_len=1024
  echo "== $t: $RUNS runs"
  cargo +nightly fuzz run "${flags[@]}" "$t" "$work/$t" "$corpus" -- -runs="$RUNS" -max_len="$max_len" -print_final_stats=1 2>&1 \
    | grep -E "^Done|stat::number_of_executed_units|stat::peak_rss|ERROR|panicked" || true
  # A crash, a timeout, an out-of-memory or a leak fails the run; a `slow-unit-` report (an
  # input over 10 s, which a paused or starved machine makes of any input) is only shown.
  ls "fuzz/artifacts/$t"/slow-unit-* > /dev/null 2>&1 && echo "$t: slow inputs reported in fuzz/artifacts/$t"
  ! ls "fuzz/artifacts/$t" 2>/dev/null | grep -qvE '^slow-unit-' || { echo "$t: crash, see fuzz/artifacts/$t"; exit 1; }
  cargo +nightly fuzz run "${flags[@]}" "$t" -- -merge=1 "$PWD/$corpus" "$work/$t" > /dev/null 2>&1
done
