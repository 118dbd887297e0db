#!/usr/bin/env bash
# Side-panel lookup latency (p50/p99) on SQLite with 1 M messages / 100 k contacts. Usage: scripts/bench-lookup.sh [MESSAGES] [CONTACTS] [CLIENTS] [RATES]
# (e.g. 10000000 1000000 50 50,200,400: issue 19.5)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mailroom-target}"
cargo build --release --locked -q
python3 scripts/bench-lookup.py "$CARGO_TARGET_DIR/release/mailroom" "$@"
