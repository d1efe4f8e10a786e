#!/usr/bin/env bash
# Fuzzes the reference server from api/openapi.yaml with schemathesis (every phase, every check):
# valid requests must be accepted, invalid ones refused, every answer as documented. A fresh
# database with the sandbox on, on a free loopback port; the server stops with the script.
# Usage: scripts/contract-fuzz.sh [SERVER_BINARY] (default target/debug/rapport-server)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SERVER=${1:-target/debug/rapport-server}
ST=target/venv/bin/schemathesis
EXAMPLES=${FUZZ_EXAMPLES:-25}
[ -x "$SERVER" ] || { echo "contract-fuzz: no server at $SERVER (cargo build -p rapport-server)" >&2; exit 2; }
[ -x "$ST" ] || { echo "contract-fuzz: no schemathesis (scripts/setup.sh --fuzz)" >&2; exit 2; }

work=$(mktemp -d)
log="$work/server.log"
# No rate limit: the fuzzer sends as fast as it can, and what it checks is the contract (the
# limit has its own test, crates/server/tests/exposure.rs).
"$SERVER" --addr 127.0.0.1:0 --db "$work/fuzz.db" --conversations 60 --sandbox --rate-limit 0 >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
base=""
for _ in $(seq 1 100); do
  base=$(sed -n 's/^rapport-server listening on //p' "$log")
  [ -n "$base" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$base" ] || { echo "contract-fuzz: the server did not start" >&2; cat "$log" >&2; exit 1; }

# The spec's paths carry /api/v1, so the base URL is the server's root.
"$ST" --config-file api/schemathesis.toml run api/openapi.yaml --url "$base" \
  --header "X-Agent-Id: ag1" \
  --checks all \
  --max-examples "$EXAMPLES" --seed 2026 --generation-deterministic \
  --workers 1 --no-color --report-dir "$work/report" \
  --warnings off
