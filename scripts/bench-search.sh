#!/usr/bin/env bash
# Full-text search latency (p50/p99 of GET /api/v1/search) on SQLite with 1 M messages, indexed by the server's own
# indexer. Usage: [PG=1] [KEEP=dir] scripts/bench-search.sh [MESSAGES] [CONTACTS]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mailroom-target}"
cargo build --release --locked -q
# PG=1: timed on a PostgreSQL copy of the seeded database (started in a temp dir), indexed there by the server.
if [ -n "${PG:-}" ]; then
  source scripts/services.sh
  start_postgres
  trap stop_postgres EXIT
  export MAILROOM_BENCH_PG="$MAILROOM_TEST_PG_URL"
fi
python3 scripts/bench-search.py "$CARGO_TARGET_DIR/release/mailroom" "$@"
