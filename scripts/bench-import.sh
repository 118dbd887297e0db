#!/usr/bin/env bash
# Import benchmark: a generated .xlsx of N contacts with companies (one per ten rows, linked by e-mail domain) and
# owners (five managers, by e-mail); calamine reading it raw and our import of it (upload, dry run, run) into a
# fresh SQLite database, each in its own process so that each peak RSS is its own.
# Usage: scripts/bench-import.sh [N ...]   (default: 10000 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mailroom-target}"
cargo build --release --locked -q
bin="$CARGO_TARGET_DIR/release/mailroom"
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
for n in "${sizes[@]}"; do
  dir=$(mktemp -d /tmp/mailroom-bench-import.XXXXXX)
  file="$dir/contacts-$n.xlsx"
  MAILROOM_DATA_DIR="$dir/gen" "$bin" bench import "$file" --make "$n" >/dev/null
  echo "== $n rows ($(du -h "$file" | cut -f1))"
  raw=$(MAILROOM_DATA_DIR="$dir/raw" "$bin" bench import "$file" --mode raw)
  ours=$(MAILROOM_DATA_DIR="$dir/ours" MAILROOM_LOG=warn "$bin" bench import "$file" --mode import)
  echo "$raw"
  echo "$ours"
  r=$(sed -E 's/.*rows_per_s=([0-9]+).*/\1/' <<<"$raw")
  o=$(sed -E 's/.*rows_per_s=([0-9]+).*/\1/' <<<"$ours")
  awk -v o="$o" -v r="$r" 'BEGIN { printf "ratio (import / raw) = %.3f\n", o / r }'
  rm -rf "$dir"
done
