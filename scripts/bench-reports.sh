#!/usr/bin/env bash
# Report latency (p50/p90/p99 per report, caller, filter and format) on SQLite with 1 M messages / 100 k contacts
# (issue 17). Usage: scripts/bench-reports.sh [MESSAGES] [CONTACTS] [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mailroom-target}"
cargo build --release --locked -q
python3 scripts/bench-reports.py "$CARGO_TARGET_DIR/release/mailroom" "$@"
