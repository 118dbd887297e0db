#!/usr/bin/env bash
# Export memory and time (issue 16): peak RSS and rows/s of `mailroom export` for CSV and .xlsx at 100 k and 1 M
# contacts on SQLite. Usage: scripts/bench-export.sh [SIZES]   (default 100000,1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mailroom-target}"
cargo build --release --locked -q
python3 scripts/bench-export.py "$CARGO_TARGET_DIR/release/mailroom" "$@"
