#!/usr/bin/env bash
# Full-text search latency (p50/p99 of GET /api/v1/search) on SQLite with 1 M messages, indexed by the server's own
# indexer. Usage: scripts/bench-search.sh [MESSAGES] [CONTACTS]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mailroom-target}"
cargo build --release --locked -q
python3 scripts/bench-search.py "$CARGO_TARGET_DIR/release/mailroom" "$@"
