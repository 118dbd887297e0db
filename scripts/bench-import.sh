#!/usr/bin/env bash
# Import benchmark: a generated .xlsx of N contacts with companies (one per ten rows, linked by e-mail domain) and
# owners (five managers, by e-mail); calamine reading it raw and our import of it (upload, dry run, run) into a
# fresh database, each in its own process so that each peak RSS is its own.
# Usage: scripts/bench-import.sh [--postgres] [N ...]   (default: 10000 100000)
#   --postgres: into a fresh PostgreSQL database per size (a temp server, as the tests start it); else SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mailroom-target}"
backend=sqlite
if [ "${1:-}" = --postgres ]; then
  backend=postgres
  shift
  source scripts/services.sh
  start_postgres
  trap stop_postgres EXIT
fi
cargo build --release --locked -q
bin="$CARGO_TARGET_DIR/release/mailroom"
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
for n in "${sizes[@]}"; do
  dir=$(mktemp -d /tmp/mailroom-bench-import.XXXXXX)
  file="$dir/contacts-$n.xlsx"
  MAILROOM_DATA_DIR="$dir/gen" "$bin" bench import "$file" --make "$n" >/dev/null
  echo "== $n rows ($(du -h "$file" | cut -f1)) on $backend"
  url=
  if [ $backend = postgres ]; then
    db="bench_import_$n"
    "$(pg_bin)/psql" -q "$MAILROOM_TEST_PG_URL/postgres" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    url="$MAILROOM_TEST_PG_URL/$db"
  fi
  raw=$(MAILROOM_DATA_DIR="$dir/raw" "$bin" bench import "$file" --mode raw)
  if [ -n "$url" ]; then
    ours=$(MAILROOM_DATABASE_URL="$url" MAILROOM_DATA_DIR="$dir/ours" MAILROOM_LOG=warn "$bin" bench import "$file" --mode import)
  else
    ours=$(MAILROOM_DATA_DIR="$dir/ours" MAILROOM_LOG=warn "$bin" bench import "$file" --mode import)
  fi
  echo "$raw"
  echo "$ours"
  r=$(sed -E 's/.*rows_per_s=([0-9]+).*/\1/' <<<"$raw")
  o=$(sed -E 's/.*rows_per_s=([0-9]+).*/\1/' <<<"$ours")
  awk -v o="$o" -v r="$r" 'BEGIN { printf "ratio (import / raw) = %.3f\n", o / r }'
  rm -rf "$dir"
done
