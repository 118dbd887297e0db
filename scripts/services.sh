# Test services: install what is missing, start private servers on free loopback ports, stop them.
# Sourced by scripts/test.sh; every function fails loudly.

need_root_or_sudo() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "error: '$*' needs root (or sudo)" >&2; return 1; fi
}

apt_install() {
  echo "==> installing: $*"
  need_root_or_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null ||
    { need_root_or_sudo apt-get update -q >/dev/null && need_root_or_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null; }
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

ensure_postgres() {
  if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then apt_install postgresql; fi
  [ -x "$(pg_bin)/initdb" ] || { echo "error: PostgreSQL's initdb not found after install" >&2; return 1; }
}

# Starts PostgreSQL in a temp dir as a non-root user; sets MAILROOM_TEST_PG_URL and PG_DIR.
start_postgres() {
  ensure_postgres
  PG_DIR=$(mktemp -d /tmp/mailroom-pg.XXXXXX)
  local port bin run_as
  port=$(free_port)
  bin=$(pg_bin)
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$PG_DIR"
    run_as() { su postgres -s /bin/sh -c "$*"; }
  else
    run_as() { sh -c "$*"; }
  fi
  run_as "$bin/initdb -D $PG_DIR/data -A trust -U postgres -E UTF8 --locale=C.UTF-8" >"$PG_DIR/initdb.log" 2>&1 ||
    { cat "$PG_DIR/initdb.log" >&2; return 1; }
  run_as "$bin/pg_ctl -D $PG_DIR/data -l $PG_DIR/log -w -o \"-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300\" start" >/dev/null ||
    { cat "$PG_DIR/log" >&2; return 1; }
  export MAILROOM_TEST_PG_URL="postgres://postgres@127.0.0.1:$port"
  echo "==> PostgreSQL $(basename "$(dirname "$bin")") on 127.0.0.1:$port ($PG_DIR)"
}

stop_postgres() {
  [ -n "${PG_DIR:-}" ] || return 0
  local bin owner
  bin=$(pg_bin)
  # As the data directory's owner (pg_ctl refuses root), whichever shell started it: a fresh root shell given only
  # PG_DIR used to run it as root, fail, and delete the directory under the running server.
  owner=$(stat -c %U "$PG_DIR/data" 2>/dev/null || echo "")
  as_owner() {
    if [ "$(id -u)" -eq 0 ] && [ -n "$owner" ] && [ "$owner" != root ]; then su "$owner" -s /bin/sh -c "$*"; else sh -c "$*"; fi
  }
  if ! as_owner "$bin/pg_ctl -D $PG_DIR/data -m fast stop" >/dev/null && as_owner "$bin/pg_ctl -D $PG_DIR/data status" >/dev/null 2>&1; then
    echo "warning: PostgreSQL in $PG_DIR did not stop; its directory is left in place" >&2
    return 1
  fi
  rm -rf "$PG_DIR"
  PG_DIR=
}

ensure_dovecot() {
  [ -x /usr/sbin/dovecot ] || apt_install dovecot-imapd
  [ -x /usr/sbin/dovecot ] || { echo "error: dovecot not found after install" >&2; return 1; }
  # The package's own system service is not needed: tests start private instances with their own config.
  if command -v systemctl >/dev/null && systemctl is-active --quiet dovecot 2>/dev/null; then need_root_or_sudo systemctl stop dovecot || true; fi
}

ensure_browser_tests() {
  [ -x /usr/bin/chromium ] || apt_install chromium
  command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
  # playwright-core only (never a downloaded browser): the tests use Debian's /usr/bin/chromium.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix tests/addin --no-audit --no-fund --loglevel=error >/dev/null
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix tests/console --no-audit --no-fund --loglevel=error >/dev/null
}

# Postfix's smtp-sink, the SMTP server of the campaign tests (they start it themselves on a free port).
# Installed without configuring a system mail server; the package's own service is not started.
ensure_smtp_sink() {
  [ -x /usr/sbin/smtp-sink ] && return 0
  echo "postfix postfix/main_mailer_type select No configuration" | need_root_or_sudo debconf-set-selections
  apt_install postfix
  [ -x /usr/sbin/smtp-sink ] || { echo "error: /usr/sbin/smtp-sink not found after installing postfix" >&2; return 1; }
}

# aiosmtpd (AUTH and STARTTLS tests), for the system python3 that the tests call as /usr/bin/python3.
ensure_aiosmtpd() {
  /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null && return 0
  apt_install python3-aiosmtpd
  /usr/bin/python3 -c 'import aiosmtpd' || { echo "error: aiosmtpd not importable after installing python3-aiosmtpd" >&2; return 1; }
}

# Prometheus's own Python client, whose parser reads /metrics in the metrics tests.
ensure_prometheus_parser() {
  /usr/bin/python3 -c 'import prometheus_client' 2>/dev/null && return 0
  apt_install python3-prometheus-client
  /usr/bin/python3 -c 'import prometheus_client' || { echo "error: prometheus_client not importable after installing python3-prometheus-client" >&2; return 1; }
}

# glewlwyd, a real OAuth2 / OIDC server for the OAuth2 mailbox tests (they start private instances on free ports),
# and sqlite3, which seeds its database. The package's own service is not started.
ensure_glewlwyd() {
  [ -x /usr/bin/glewlwyd ] && [ -x /usr/bin/sqlite3 ] && return 0
  apt_install glewlwyd sqlite3
  [ -x /usr/bin/glewlwyd ] || { echo "error: glewlwyd not found after install" >&2; return 1; }
  [ -x /usr/bin/sqlite3 ] || { echo "error: sqlite3 not found after install" >&2; return 1; }
  if command -v systemctl >/dev/null && systemctl is-active --quiet glewlwyd 2>/dev/null; then need_root_or_sudo systemctl stop glewlwyd || true; fi
}

# LibreOffice headless (Calc only): the import/export tests make real .xlsx/.xls/.ods files from CSV fixtures and
# read exported .xlsx back (tests/api/transfer_files.rs).
ensure_libreoffice() {
  command -v soffice >/dev/null && return 0
  apt_install libreoffice-calc-nogui
  command -v soffice >/dev/null || { echo "error: soffice not found after installing libreoffice-calc-nogui" >&2; return 1; }
}
