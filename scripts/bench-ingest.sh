#!/usr/bin/env bash
# Ingest benchmark: one private Dovecot holding N messages; the raw `UID FETCH 1:* BODY.PEEK[]` rate and our full
# sync (fetch + parse + thread + store into SQLite) from the same server in the same run, with the ratio and each
# mode's peak RSS. Usage: scripts/bench-ingest.sh [N ...]   (default: 5000 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mailroom-target}"
ensure_dovecot
cargo build --release --locked -q
bin="$CARGO_TARGET_DIR/release/mailroom"
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
  raw=$("$bin" bench ingest --mode raw "${args[@]}")
  parsed=$("$bin" bench ingest --mode parse "${args[@]}")
  full=$(MAILROOM_DATA_DIR="$dir/data" MAILROOM_LOG=warn "$bin" bench ingest --mode sync "${args[@]}")
  if [ -n "${KEEP:-}" ]; then
    echo "kept: Dovecot $dir on port $port (stop: doveadm -c $dir/dovecot.conf stop)"
  else
    doveadm -c "$dir/dovecot.conf" stop
    rm -rf "$dir"
  fi
  echo "N=$n"
  echo "  $raw"
  echo "  $parsed"
  echo "  $full"
  r=$(sed -E 's/.*rate=([0-9]+).*/\1/' <<<"$raw"); f=$(sed -E 's/.*rate=([0-9]+).*/\1/' <<<"$full")
  p=$(sed -E 's/.*rate=([0-9]+).*/\1/' <<<"$parsed")
  awk -v r="$r" -v p="$p" -v f="$f" 'BEGIN { printf "  ratio full/raw = %.2f (fetch+parse alone/raw = %.2f)\n", f / r, p / r }'
done
