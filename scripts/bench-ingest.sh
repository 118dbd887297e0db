#!/usr/bin/env bash
# Ingest benchmark: one private Dovecot holding N messages; in the same run, from the same server: the raw
# `UID FETCH 1:* BODY.PEEK[]` rate, FETCH + parse on one core (`parse`) and on all cores (`parse-all`, as the sync
# parses), mbsync (Debian isync) pulling the folder into a fresh Maildir, and our full sync (fetch + parse + thread +
# store + link) into SQLite, with the ratios and each one's peak RSS (/usr/bin/time -v).
# Usage: scripts/bench-ingest.sh [N ...]   (default: 5000 20000)
# PG=1 also syncs into a fresh PostgreSQL database (started in a temp dir); NO_TRIGGERS=1 also syncs into SQLite
# with the report-summary triggers (migrations 0033/0034) dropped; BIN=path benchmarks that binary (no build).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mailroom-target}"
ensure_dovecot
command -v mbsync >/dev/null || apt_install isync
if [ -n "${BIN:-}" ]; then bin=$BIN; else
  cargo build --release --locked -q
  bin="$CARGO_TARGET_DIR/release/mailroom"
fi
if [ -n "${PG:-}" ]; then start_postgres; trap stop_postgres EXIT; fi

# Runs a command under /usr/bin/time -v; prints its stdout followed by " rss=<peak KiB>".
timed() {
  local out err
  err=$(mktemp)
  out=$(/usr/bin/time -v "$@" 2>"$err") || { cat "$err" >&2; rm -f "$err"; return 1; }
  echo "$out rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$err")"
  rm -f "$err"
}
rate() { sed -E 's/.*rate=([0-9]+).*/\1/' <<<"$1"; }
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(5000 20000)

for n in "${sizes[@]}"; do
  dir=$(mktemp -d /tmp/mailroom-bench.XXXXXX)
  chmod 755 "$dir"   # Dovecot's auth process (user dovecot) reads the users file in it
  port=$(free_port)
  mkdir -p "$dir/run" "$dir/state" "$dir/mail/bench@local/cur" "$dir/mail/bench@local/new" "$dir/mail/bench@local/tmp"
  echo 'bench@local:{PLAIN}bench' > "$dir/users"
  cat > "$dir/dovecot.conf" <<CONF
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$dir/mail/%u
first_valid_uid = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = static
  args = uid=$(id -u nobody) gid=$(id -g nobody) home=$dir/mail/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
CONF
  python3 scripts/gen-mail.py "$n" "$dir/mail/bench@local/cur"
  chown -R nobody: "$dir/mail"
  # Its own streams: a kept Dovecot must not hold this script's output open.
  dovecot -c "$dir/dovecot.conf" </dev/null >/dev/null 2>&1
  args=(--port "$port" --user bench@local --password bench)
  # warm-up: Dovecot indexes the folder, files enter the cache
  "$bin" bench ingest --mode raw "${args[@]}" >/dev/null || { tail -20 "$dir/dovecot.log" >&2; exit 1; }
  raw=$(timed "$bin" bench ingest --mode raw "${args[@]}")
  parsed=$(timed "$bin" bench ingest --mode parse "${args[@]}")
  parsed_all=$(timed "$bin" bench ingest --mode parse-all "${args[@]}")
  # mbsync pulling the same folder into a fresh Maildir.
  # FSync No: mbsync would otherwise fsync every Maildir file, which measures the disk rather than the sync.
  cat > "$dir/mbsyncrc" <<RC
FSync No

IMAPAccount bench
Host 127.0.0.1
Port $port
User bench@local
Pass bench
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account bench

MaildirStore local
Path $dir/maildir/
Inbox $dir/maildir/INBOX

Channel pull
Far :remote:INBOX
Near :local:INBOX
Create Near
Sync Pull
SyncState *
RC
  mkdir -p "$dir/maildir"
  t0=$(date +%s.%N)
  mb_rss=$(timed mbsync -q -c "$dir/mbsyncrc" -a | sed -E 's/.*rss=//')
  t1=$(date +%s.%N)
  mb_n=$(find "$dir/maildir/INBOX" -type f -path '*/cur/*' -o -type f -path '*/new/*' | wc -l)
  mbsync_line=$(awk -v n="$mb_n" -v a="$t0" -v b="$t1" -v r="$mb_rss" \
    'BEGIN { printf "mbsync messages=%d seconds=%.2f rate=%.0f msg/s rss=%s", n, b - a, n / (b - a), r }')
  full=$(MAILROOM_DATA_DIR="$dir/data" MAILROOM_LOG=warn timed "$bin" bench ingest --mode sync "${args[@]}")
  bare=""
  if [ -n "${NO_TRIGGERS:-}" ]; then
    bare=$(MAILROOM_DATA_DIR="$dir/data-bare" MAILROOM_LOG=warn timed "$bin" bench ingest --mode sync-no-triggers "${args[@]}")
  fi
  pg=""
  if [ -n "${PG:-}" ]; then
    db="bench_${n}_$$"
    "$(pg_bin)/psql" -q "$MAILROOM_TEST_PG_URL/postgres" -c "CREATE DATABASE $db"
    pg=$(MAILROOM_DATA_DIR="$dir/data-pg" MAILROOM_DATABASE_URL="$MAILROOM_TEST_PG_URL/$db" MAILROOM_LOG=warn \
      timed "$bin" bench ingest --mode sync "${args[@]}")
    "$(pg_bin)/psql" -q "$MAILROOM_TEST_PG_URL/postgres" -c "DROP DATABASE $db"
  fi
  if [ -n "${KEEP:-}" ]; then
    echo "kept: Dovecot $dir on port $port (stop: doveadm -c $dir/dovecot.conf stop)"
  else
    doveadm -c "$dir/dovecot.conf" stop
    rm -rf "$dir"
  fi
  echo "N=$n"
  for line in "$raw" "$parsed" "$parsed_all" "$mbsync_line" "$full" ${bare:+"$bare"}; do echo "  $line"; done
  [ -z "$pg" ] || echo "  postgres $pg"
  awk -v r="$(rate "$raw")" -v p="$(rate "$parsed")" -v a="$(rate "$parsed_all")" -v f="$(rate "$full")" \
    -v m="$(rate "$mbsync_line")" -v g="$([ -n "$pg" ] && rate "$pg" || echo 0)" 'BEGIN {
      printf "  sync/ceiling = %.2f of parse (one core), %.2f of parse-all (all cores); sync/mbsync = %.2f; sync/raw = %.2f\n",
        f / p, f / a, f / m, f / r
      if (g > 0) printf "  postgres sync/ceiling = %.2f of parse, %.2f of parse-all; postgres sync/mbsync = %.2f\n", g / p, g / a, g / m
    }'
done
