#!/usr/bin/env bash
# Measures campaign send throughput: the real server (debug build unless BIN is set) mailing N contacts into
# Postfix's smtp-sink on loopback, with the campaign's concurrency C and no rate limit.
# Usage: scripts/bench-campaign.sh [N=2000] [C=4]      (SQLite in a temp dir; MAILROOM_DATABASE_URL for PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
N=${1:-2000}; C=${2:-4}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mailroom-target}"
ensure_smtp_sink
# BIN set: measure that binary as it is (e.g. a release build); otherwise build and use the debug one.
[ -n "${BIN:-}" ] || cargo build -q --bin mailroom
BIN=${BIN:-$CARGO_TARGET_DIR/debug/mailroom}
DIR=$(mktemp -d /tmp/mailroom-bench.XXXXXX); chmod 755 "$DIR"
# The sink's dump directory: on tmpfs by default, so that the disk's latency is not what both rates measure
# (SINK_DUMP_ON=/tmp puts it beside the database, as earlier runs in BENCHMARKS.md had it).
DUMP=$(mktemp -d "${SINK_DUMP_ON:-/dev/shm}/mailroom-sink.XXXXXX"); chmod 777 "$DUMP"
SMTP_PORT=$(free_port); HTTP_PORT=$(free_port)
sink_user=(); [ "$(id -u)" -eq 0 ] && sink_user=(-u nobody)
# SINK_ARGS=-p: the sink does not offer PIPELINING, so smtp-source talks to it lock-step, as lettre does.
/usr/sbin/smtp-sink "${sink_user[@]}" ${SINK_ARGS:-} -d "$DUMP/%H%M%S." 127.0.0.1:$SMTP_PORT 1000 & SINK=$!
MAILROOM_DATA_DIR="$DIR/data" MAILROOM_LISTEN=127.0.0.1:$HTTP_PORT MAILROOM_ADMIN_EMAIL=admin@bench.local \
  MAILROOM_ADMIN_PASSWORD=bench-password-1 MAILROOM_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT MAILROOM_LOG=${MAILROOM_LOG:-warn} \
  "$BIN" serve >"$DIR/server.log" 2>&1 & SERVER=$!
trap 'kill $SERVER $SINK 2>/dev/null; [ -n "${KEEP_LOG:-}" ] && cp "$DIR/server.log" "$KEEP_LOG"; rm -rf "$DIR" "$DUMP"' EXIT
B=http://127.0.0.1:$HTTP_PORT
until curl -sf $B/healthz >/dev/null; do sleep 0.1; done
TOKEN=$(curl -sf -H 'Content-Type: application/json' -d '{"email":"admin@bench.local","password":"bench-password-1"}' \
  $B/api/v1/auth/login | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
api() { curl -sf -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$@"; }
id_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
CO=$(api -d '{"name":"ООО «Бенч»"}' $B/api/v1/companies | id_of)
echo "==> creating $N contacts"
python3 - "$B" "$TOKEN" "$N" "$CO" <<'PY'
import json, sys, urllib.request, concurrent.futures as cf
base, token, n, co = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def post(i):
    body = json.dumps({"name": f"Получатель №{i}", "emails": [f"p{i}@bench.ru"], "company_id": co, "tags": ["bench"]}).encode()
    req = urllib.request.Request(base + "/api/v1/contacts", body, {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
with cf.ThreadPoolExecutor(8) as ex:
    list(ex.map(post, range(n)))
PY
T=$(api -d '{"name":"bench","subject":"Привет, {{contact.name}}","html":"<p>{{contact.name}}, {{company.name}}</p><a href=\"{{unsubscribe_url}}\">x</a>"}' $B/api/v1/templates | id_of)
S=$(api -d '{"name":"bench","filter":{"tags":["bench"]}}' $B/api/v1/segments | id_of)
CID=$(api -d "{\"name\":\"bench\",\"template_id\":$T,\"segment_id\":$S,\"marketing\":false,\"concurrency\":$C}" $B/api/v1/campaigns | id_of)
echo "==> baseline: smtp-source, $N messages of 2 KB over $C connections into the same sink"
# Measured before and after the campaign: the mean is the baseline, so that a load change during the run shows.
sink_cpu() { awk '{ print $14 + $15 }' /proc/$SINK/stat; }
raw_rate() {
  local start end
  start=$(date +%s.%N)
  /usr/sbin/smtp-source -m "$N" -s "$C" -l 2000 -f bench@bench.ru -t sink@bench.ru 127.0.0.1:$SMTP_PORT >&2
  end=$(date +%s.%N)
  find "$DUMP" -mindepth 1 -delete
  python3 -c "print(f'{$N/($end-$start):.0f}')"
}
SINK0=$(sink_cpu)
RAW_BEFORE=$(raw_rate)
SINK1=$(sink_cpu)
echo "==> raw SMTP rate before: $RAW_BEFORE messages/s"
CPU_BEFORE=$(awk '{ print $14 + $15 }' /proc/$SERVER/stat)
echo "==> sending $N letters, concurrency $C"
SINK2=$(sink_cpu)
START=$(date +%s.%N)
api -X POST $B/api/v1/campaigns/$CID/start >/dev/null
STARTED=$(date +%s.%N)
python3 -c "print(f'==> start (render every recipient, queue the letters) took {$STARTED-$START:.2f} s')"
until api $B/api/v1/campaigns/$CID | grep -q '"status":"done"'; do sleep 0.2; done
END=$(date +%s.%N)
GOT=$(ls "$DUMP" | wc -l)
SINK3=$(sink_cpu)
python3 -c "t = $(getconf CLK_TCK); print(f'==> smtp-sink CPU per message: {1e6 * ($SINK1 - $SINK0) / t / $N:.0f} µs from smtp-source, {1e6 * ($SINK3 - $SINK2) / t / max($GOT, 1):.0f} µs from the campaign')"
CPU_AFTER=$(awk '{ print $14 + $15 }' /proc/$SERVER/stat)
RSS=$(awk '/VmHWM/ { print $2 }' /proc/$SERVER/status)
python3 -c "print(f'==> {$GOT} letters received in {$END-$START:.1f} s: {$GOT/($END-$START):.0f} letters/s (incl. start-up validation)')"
RAW_AFTER=$(raw_rate)
echo "==> raw SMTP rate after: $RAW_AFTER messages/s"
RAW_RATE=$(( (RAW_BEFORE + RAW_AFTER) / 2 ))
python3 -c "
got, secs, raw = $GOT, $END-$START, $RAW_RATE
rate = got / secs
cpu = ($CPU_AFTER - $CPU_BEFORE) / $(getconf CLK_TCK)
print(f'==> campaign {rate:.0f} letters/s vs raw SMTP {raw} messages/s (mean of before and after): ratio {rate / raw:.2f}; server peak RSS $RSS KiB, CPU {cpu:.1f} s ({100 * cpu / secs:.0f}% of one core)')
"
