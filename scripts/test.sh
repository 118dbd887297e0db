#!/usr/bin/env bash
# The whole test suite, on SQLite and on PostgreSQL. Installs what the tests need, starts and stops the servers.
# Usage: scripts/test.sh            (CARGO_TARGET_DIR defaults to ~/.cache/mailroom-target, outside the clone)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mailroom-target}"
export CARGO_TERM_COLOR=never RUST_BACKTRACE=1
command -v python3 >/dev/null || apt_install python3
ensure_smtp_sink
ensure_aiosmtpd
ensure_prometheus_parser

ensure_dovecot
ensure_glewlwyd
ensure_browser_tests
ensure_libreoffice
start_postgres
trap stop_postgres EXIT

# Suites over ../shared (real-world corpus, CRM scenarios) need that folder; without it they are skipped by name.
skip=()
if [ ! -d ../shared ]; then
  echo "==> ../shared is absent: SKIPPING the corpus suites (tests named corpus_*); they are not counted as passed"
  skip=(--skip corpus_)
fi

echo "==> building tests (debug)"
cargo build --all-targets --locked -q

# Sums "N <word>" over cargo's "test result:" lines.
count() { grep -E '^test result:' "$2" | grep -oE "[0-9]+ $1" | awk '{ n += $1 } END { print n + 0 }'; }

declare -A passed failed
status=0
for backend in sqlite postgres; do
  echo "==> test suite on $backend"
  log=$(mktemp)
  if MAILROOM_TEST_BACKEND=$backend cargo test --all-targets --locked --no-fail-fast -- "${skip[@]}" 2>&1 | tee "$log"; then :; else status=1; fi
  passed[$backend]=$(count passed "$log")
  failed[$backend]=$(count failed "$log")
  ignored=$(count ignored "$log")
  [ "${ignored:-0}" -eq 0 ] || { echo "error: $ignored ignored tests on $backend: a skipped test proves nothing" >&2; status=1; }
  rm -f "$log"
done

echo
echo "==> summary"
for backend in sqlite postgres; do
  printf '    %-9s %4s passed, %s failed\n' "$backend" "${passed[$backend]:-0}" "${failed[$backend]:-?}"
done
[ "$status" -eq 0 ] && echo "==> all tests passed on both backends" || echo "==> FAILED"
exit "$status"
