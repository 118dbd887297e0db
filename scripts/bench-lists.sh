#!/usr/bin/env bash
# List-page latency (p50/p90/p99 per call) on SQLite with 1 M messages / 100 k contacts (issue 14).
# Usage: scripts/bench-lists.sh [MESSAGES] [CONTACTS] [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mailroom-target}"
cargo build --release --locked -q
python3 scripts/bench-lists.py "$CARGO_TARGET_DIR/release/mailroom" "$@"
