#!/usr/bin/env bash
# Installs what the tests need on a fresh machine (npm packages, redis-server, chromium), then runs every
# test of the workspace: unit and doc tests, and the end-to-end tests that drive the official
# npm clients (and Node nodes of a mixed cluster).
# Ends with one line totalling the Rust tests and the node --test cases they ran.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --prefix tests --no-audit --no-fund
# The chat demo's browser client (served by the demo; its page script is type-checked).
npm ci --prefix examples/chat --no-audit --no-fund

# The cluster tests start their own redis-server (tests/support/cluster_server.rs) on a free
# loopback port, and stop it after; the Redis Cluster rows make theirs with redis-cli (which the
# Debian package brings, in redis-tools).
# The browser test (row `browser`) drives Debian's chromium with npm playwright-core.
missing=()
command -v redis-server > /dev/null && command -v redis-cli > /dev/null || missing+=(redis-server)
command -v chromium > /dev/null || command -v chromium-browser > /dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get install -y "${missing[@]}" > /dev/null 2>&1 \
    || { $sudo apt-get update > /dev/null && $sudo apt-get install -y "${missing[@]}" > /dev/null; }
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
# --no-fail-fast: one failing test binary must not hide how the others did.
cargo test --workspace --exclude socketry-bench --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# Both crates package as crates.io would take them, each built from its package alone.
if ! cargo package -p socketry-macros -p socketry --allow-dirty --quiet; then
  echo "test result: FAILED. 0 passed; 1 failed (cargo package)" | tee -a "$log"
  status=1
fi
set -e

awk '
  /^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed;/) p += $(i-1); if ($i ~ /^failed;/) f += $(i-1) } }
  /^ℹ pass /      { np += $3 }
  /^ℹ fail /      { nf += $3 }
  END { printf "total: %d passed, %d failed\n", p + np, f + nf }
' "$log"
exit "$status"
