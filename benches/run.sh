#!/usr/bin/env bash
# Builds the servers under test and the load generator, installs the Node reference, and runs
# every scenario against every server, interleaved; prints one Markdown table.
#   bash benches/run.sh            # the full run (about 20 minutes)
#   bash benches/run.sh --quick    # about a minute per repetition
# Other flags go to the runner: --reps N, --servers socketry,bare,node, --only <label part>.
# The cluster rows (--servers socketry-cluster,node-cluster) need redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p socketry-examples --example bench_server --features redis
cargo build --release -p socketry-bench
npm install --prefix benches/node --no-audit --no-fund --silent
# Many connections need many file descriptors.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec ./target/release/socketry-bench "$@"
