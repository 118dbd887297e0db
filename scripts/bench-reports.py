#!/usr/bin/env python3
"""Report latency (issue 17, item 5) on the lookup benchmark's database: 1 M messages, 100 k contacts.

Seeds a fresh SQLite database with scripts/bench_seed.py's records (owners spread over 30 salespeople in 5 teams,
each with a team lead; mail spread over two years, a quarter of it our replies), plus what the reports read:
100 000 deals over 2 pipelines with their stage history (≈30 % closed won or lost, over two years), 50 000 leads
with sources (20 % converted into deals), 200 000 tasks, 50 campaigns with 200 000 recipients (sent, bounced,
unsubscribed), phones, role addresses and contacts without a company. Then times every report as an admin, a team
lead and a salesperson, with and without a date range and a team filter, as JSON and CSV: p50 / p90 / p99 over N
requests after a warm-up, over one keep-alive connection. A report that answers 404 (not in this build) is printed
as missing and skipped. Prints a table and the worst p99 per report.
Usage: scripts/bench-reports.py BIN [MESSAGES] [CONTACTS] [REQUESTS]   (run by scripts/bench-reports.sh)"""
import datetime, os, random, sqlite3, sys, time
from urllib.parse import urlencode

from bench_seed import ADMIN_EMAIL, ADMIN_PASSWORD, Client, copy_to_postgres, data_dir, percentiles, seed_base, serve

binary = sys.argv[1]
messages = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
contacts = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
requests = int(sys.argv[4]) if len(sys.argv) > 4 else 100
WARMUP, GOAL_MS = 10, 300
DAY = 86_400_000
SPAN = 730 * DAY  # two years of history
deals, leads, tasks = contacts, contacts // 2, contacts * 2
campaigns, per_campaign = 50, contacts * 2 // 50
rnd = random.Random(17)
# MAILROOM_BENCH_DATA=<data dir of an earlier run>: time that database again (no seeding; e.g. after an index was
# added by hand); MAILROOM_BENCH_ONLY=managers,data-quality: time only those reports.
reuse = os.environ.get("MAILROOM_BENCH_DATA")
only = set(filter(None, os.environ.get("MAILROOM_BENCH_ONLY", "").split(",")))
if reuse:
    data, env = reuse, dict(data_dir("mailroom-reports-")[1], MAILROOM_DATA_DIR=reuse)
    db = sqlite3.connect(os.path.join(data, "mailroom.db"))
    teams = [t for t, in db.execute("SELECT id FROM teams ORDER BY id")]
    now = db.execute("SELECT MAX(last_at) FROM threads").fetchone()[0]
    counts = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in
              ("deals", "stage_changes", "leads", "tasks", "campaign_recipients", "messages")}
    closed_share = db.execute("SELECT AVG(closed_at IS NOT NULL) FROM deals").fetchone()[0]
    db.close()
    seeded = 0
else:
    data, env = data_dir("mailroom-reports-")

    # Users and teams go through the API (as an admin would make them); records are bulk-seeded.
    p, addr = serve(binary, env)
    client = Client(addr)
    call = client.call
    admin = client.admin()
    users, teams = [], []
    for t in range(5):
        members = []
        for m in range(6):
            n = t * 6 + m
            uid = call("POST", "/api/v1/users", admin, {"email": f"u{n}@bench.local", "name": f"Менеджер {n}",
                                                       "role": "sales", "password": f"password-{n}"})["id"]
            users.append(uid)
            members.append({"user_id": uid, "lead": m == 0})
        teams.append(call("POST", "/api/v1/teams", admin, {"name": f"Отдел {t + 1}", "members": members})["id"])
    client.close(); p.terminate(); p.wait()

    def owner(i):
        return users[i % len(users)]

    db = sqlite3.connect(os.path.join(data, "mailroom.db"))
    db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=OFF")
    t0 = time.time()
    # MAILROOM_BENCH_NOW (ms) pins the seeded data, so that two builds' answers can be compared (MAILROOM_BENCH_BODIES).
    now = int(os.environ.get("MAILROOM_BENCH_NOW") or time.time() * 1000)
    # Mail a minute apart: 1 M messages reach back ≈ 1.9 years, like the deals.
    seed_base(db, now, messages, contacts, owner=owner, age_ms=SPAN, deals=False, tasks=False, mail_gap_ms=60_000)

    # --- a second pipeline; deals with their stage history ---
    db.execute("INSERT INTO pipelines (name, position, created_at) VALUES ('Партнёры', 1, ?)", (now,))
    second = db.execute("SELECT id FROM pipelines WHERE name = 'Партнёры'").fetchone()[0]
    for pos, (name, prob, kind) in enumerate((("Заявка", 10, "open"), ("Демо", 30, "open"), ("Договор", 60, "open"),
                                              ("Подписан", 100, "won"), ("Отказ", 0, "lost"))):
        db.execute("INSERT INTO stages (pipeline_id, name, position, probability, kind) VALUES (?,?,?,?,?)",
                   (second, name, pos, prob, kind))
    pipelines = {}
    for pid, in db.execute("SELECT id FROM pipelines ORDER BY position, id").fetchall():
        rows = db.execute("SELECT id, kind FROM stages WHERE pipeline_id = ? ORDER BY position", (pid,)).fetchall()
        pipelines[pid] = ([s for s, k in rows if k == "open"], next(s for s, k in rows if k == "won"),
                          next(s for s, k in rows if k == "lost"))
    pipeline_ids = list(pipelines)

    deal_rows, changes = [], []
    for n in range(1, deals + 1):
        pid = pipeline_ids[0] if n % 5 < 3 else pipeline_ids[1]
        opened, won, lost = pipelines[pid]
        created = now - rnd.randrange(SPAN)
        r = rnd.random()
        outcome = "won" if r < 0.12 else "lost" if r < 0.30 else "open"
        # How far along the open stages it got (a won deal may skip one), then its close.
        depth = len(opened) if outcome == "won" and rnd.random() < 0.8 else rnd.choice((1, 1, 1, 2, 2, 3))
        path = opened[:depth] + ([won] if outcome == "won" else [lost] if outcome == "lost" else [])
        at, moves, prev = created, [], None
        for stage in path:
            if moves:
                at += int(rnd.expovariate(1 / (12 * DAY)))
                if at >= now:  # history cannot run past today: the deal stays where it is
                    break
            moves.append((prev, stage, at))
            prev = stage
        stage, last = moves[-1][1], moves[-1][2]
        closed = last if stage in (won, lost) else None
        who = rnd.choice(users)
        contact = rnd.randint(1, contacts)
        amount = None if n % 20 == 0 else rnd.randrange(10_000, 5_000_000) * 100
        deal_rows.append((n, f"Сделка {n}", amount, "RUB", pid, stage, contact, contact % (contacts // 10) + 1, who,
                          closed, f"сделка {n}", created, last))
        changes += ((n, f, t, who, a) for f, t, a in moves)
    db.executemany("INSERT INTO deals (id, title, amount_minor, currency, pipeline_id, stage_id, contact_id, company_id, owner_id, closed_at, search, created_at, updated_at) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", deal_rows)
    # Moves in time order, as the API records them (ids rise with time within a deal).
    changes.sort(key=lambda c: (c[4], c[0]))
    db.executemany("INSERT INTO stage_changes (deal_id, from_stage_id, to_stage_id, changed_by, at) VALUES (?,?,?,?,?)", changes)

    # --- leads with sources; a fifth converted into a deal (the deal's contact), a few in the open pool ---
    sources = [s for s, in db.execute("SELECT id FROM lead_sources ORDER BY id").fetchall()]
    converted_deals = rnd.sample(range(1, deals + 1), leads // 5)
    lead_rows = []
    for i in range(1, leads + 1):
        r = rnd.random()
        source = None if r < 0.1 else sources[int(r * 100) % len(sources)]
        created = now - rnd.randrange(SPAN)
        if i % 5 == 0:
            deal = converted_deals[i // 5 - 1]
            status, deal_id, contact, who = "converted", deal, deal_rows[deal - 1][6], deal_rows[deal - 1][8]
        else:
            status, deal_id, contact = rnd.choice(("new", "in_work", "in_work", "lost")), None, None
            who = None if rnd.random() < 0.05 else rnd.choice(users)
        lead_rows.append((i, f"Лид {i}", f"l{i}@lead{i % 5000}.ru", f"+7 900 {i:07d}", f"7900{i:07d}", source, status,
                          who, contact, deal_id, f"лид {i} l{i}@lead{i % 5000}.ru", created, created + rnd.randrange(30 * DAY)))
    db.executemany("INSERT INTO leads (id, name, email, phone, phone_norm, source_id, status, owner_id, contact_id, deal_id, search, created_at, updated_at) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", lead_rows)

    # --- tasks on deals: three in four done, the rest open (due in the past: overdue, or in the coming weeks) ---
    def task_rows():
        for i in range(1, tasks + 1):
            deal = rnd.randint(1, deals)
            who = deal_rows[deal - 1][8]
            created = now - rnd.randrange(SPAN)
            due = created + rnd.randrange(14 * DAY)
            done = rnd.random() < 0.75
            done_at = min(now, due + rnd.randrange(-3 * DAY, 3 * DAY)) if done else None
            yield (f"Задача {i}", due, who, "deal", deal, int(done), done_at, who, created, done_at or created)
    db.executemany("INSERT INTO tasks (title, due_at, assignee_id, record_kind, record_id, done, done_at, created_by, created_at, updated_at) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?)", task_rows())

    # --- campaigns: sent letters, some bounced (hard, verified), some unsubscribed ---
    db.execute("INSERT INTO mail_templates (id, name, subject, html, created_at, updated_at) VALUES (1, 'bench', 'Новости', '<p>{{name}}</p>', ?, ?)", (now, now))
    db.execute("INSERT INTO segments (id, name, filter, created_at, updated_at) VALUES (1, 'bench', '{}', ?, ?)", (now, now))
    recipient_id = 0
    for c in range(1, campaigns + 1):
        started = now - SPAN + c * (SPAN // (campaigns + 1))
        db.execute("INSERT INTO campaigns (id, name, template_id, segment_id, from_address, status, created_by, created_at, updated_at, started_at, finished_at) "
                   "VALUES (?, ?, 1, 1, 'news@bench.local', 'done', 1, ?, ?, ?, ?)", (c, f"Рассылка {c}", started, started, started, started + DAY))
        recipients, bounces, suppressions = [], [], []
        for contact in rnd.sample(range(1, contacts + 1), per_campaign):
            recipient_id += 1
            address = f"c{contact}@co{contact % (contacts // 10) + 1}.ru"
            r = rnd.random()
            state = "skipped" if r < 0.01 else "failed" if r < 0.02 else "sent"
            sent = started + rnd.randrange(3_600_000) if state == "sent" else None
            recipients.append((recipient_id, c, contact, address, state, 1, sent))
            if state == "sent" and r > 0.97:
                bounces.append((address, 1, "5.1.1", "user unknown", c, recipient_id, sent + 60_000))
                suppressions.append((address, "hard_bounce", c, recipient_id, sent + 60_000))
            elif state == "sent" and r > 0.955:
                suppressions.append((address, "unsubscribed", c, recipient_id, sent + rnd.randrange(7 * DAY)))
        db.executemany("INSERT INTO campaign_recipients (id, campaign_id, contact_id, address, state, attempts, sent_at) VALUES (?,?,?,?,?,?,?)", recipients)
        db.executemany("INSERT INTO bounces (address, hard, status, diagnostic, campaign_id, recipient_id, at) VALUES (?,?,?,?,?,?,?)", bounces)
        db.executemany("INSERT OR IGNORE INTO suppressions (address, reason, campaign_id, recipient_id, at) VALUES (?,?,?,?,?)", suppressions)

    # --- mail as the managers' reports read it: every fourth message (the second of its thread) is our reply, sent
    #     from the linked contact's owner and filed in Sent ---
    db.execute("INSERT INTO mail_folders (id, mailbox_id, name, role, uidvalidity, last_uid) VALUES (2, 1, 'Sent', 'sent', 1, ?)", (messages,))
    db.execute("UPDATE messages SET mailbox_id = 1")
    db.execute("UPDATE messages SET direction = 'outgoing', from_address = (SELECT u.email FROM contacts c JOIN users u ON u.id = c.owner_id "
               "WHERE c.id = messages.id % ? + 1) WHERE id % 4 = 2", (contacts,))
    db.execute("UPDATE message_locations SET folder_id = 2 WHERE message_id % 4 = 2")

    # --- data quality: phones on 3 contacts in 5, a role address on every 97th, no company on every 20th ---
    db.executemany("INSERT INTO contact_phones (contact_id, phone, phone_norm) VALUES (?,?,?)",
                   ((i, f"+7 495 {i:07d}", f"7495{i:07d}") for i in range(1, contacts + 1) if i % 5 < 3))
    db.executemany("INSERT INTO contact_emails (contact_id, email, is_primary) VALUES (?,?,0)",
                   ((i, f"info@co{i % (contacts // 10) + 1}.ru") for i in range(97, contacts + 1, 97)))
    db.execute("UPDATE contacts SET company_id = NULL WHERE id % 20 = 0")
    db.commit(); db.execute("ANALYZE"); db.commit()
    counts = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in
              ("deals", "stage_changes", "leads", "tasks", "campaign_recipients", "messages")}
    closed_share = db.execute("SELECT AVG(closed_at IS NOT NULL) FROM deals").fetchone()[0]
    db.close()
    seeded = time.time() - t0

# MAILROOM_BENCH_PG=postgres://user@host:port: the same database copied into a fresh PostgreSQL database (schema by
# `mailroom serve`'s migrations), and the server timed on it instead.
backend = "SQLite"
if os.environ.get("MAILROOM_BENCH_PG"):
    import glob, subprocess
    from urllib.parse import urlparse
    server = urlparse(os.environ["MAILROOM_BENCH_PG"])
    psql_bin = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))[-1]
    name = f"mailroom_bench_{os.getpid()}"
    psql = [psql_bin, "-h", server.hostname, "-p", str(server.port), "-U", server.username or "postgres"]
    subprocess.run(psql + ["-d", "postgres", "-q", "-c", f"CREATE DATABASE {name}"], check=True)
    env = dict(env, MAILROOM_DATABASE_URL=f"{os.environ['MAILROOM_BENCH_PG'].rstrip('/')}/{name}")
    p, _ = serve(binary, env)  # the migrations make the schema
    p.terminate(); p.wait()
    t1 = time.time()
    # The summaries' noted rows are left out: the migration's rebuild request stands, as on SQLite.
    copy_to_postgres(os.path.join(data, "mailroom.db"), psql + ["-d", name], skip=("activity_dirty", "quality_dirty"))
    backend = f"PostgreSQL (copied in {time.time() - t1:.0f} s)"

p, addr = serve(binary, env)
client = Client(addr)
conn = client.conn
if reuse:
    admin = client.login(ADMIN_EMAIL, ADMIN_PASSWORD)
callers = (("admin", admin), ("team lead", client.login("u0@bench.local", "password-0")),
           ("salesperson", client.login("u1@bench.local", "password-1")))
today = datetime.datetime.fromtimestamp(now / 1000, datetime.timezone.utc).date()
bodies = open(os.environ["MAILROOM_BENCH_BODIES"], "w") if os.environ.get("MAILROOM_BENCH_BODIES") else None
quarter = {"from": (today - datetime.timedelta(days=90)).isoformat(), "to": today.isoformat()}
team = {"team_id": teams[0]}
filters = (("all", {}), ("90 days", quarter), ("team", team), ("90 days + team", {**quarter, **team}))
# Which filters each report takes (the others would answer 422).
reports = (("funnel", "range team"), ("deals", "range team"), ("lead-sources", "range team"),
           ("managers", "range team"), ("campaigns", "range"), ("data-quality", "team"))

def get(token, path, params):
    conn.request("GET", f"{path}?{urlencode(params)}", headers={"Authorization": "Bearer " + token})
    r = conn.getresponse()
    return r.status, r.read()

def timed(token, path, params):
    times = []
    for n in range(WARMUP + requests):
        start = time.perf_counter()
        status, body = get(token, path, params)
        elapsed = (time.perf_counter() - start) * 1000
        if status != 200:
            raise SystemExit(f"GET {path} {params}: {status} {body[:300]!r}")
        if n >= WARMUP:
            times.append(elapsed)
    return (*percentiles(times), len(body), body)

print(f"{messages} messages, {contacts} contacts, {counts['deals']} deals ({closed_share:.0%} closed) with "
      f"{counts['stage_changes']} stage moves, {counts['leads']} leads, {counts['tasks']} tasks, "
      f"{counts['campaign_recipients']} campaign recipients, 30 users in 5 teams (seeded in {seeded:.0f} s); "
      f"{requests} requests per row after {WARMUP} warm-up; {backend}")
print("| report | caller | filter | format | bytes | p50 ms | p90 ms | p99 ms |")
print("|---|---|---|---|---|---|---|---|")
worst, missing, first_ms = {}, [], {}
for name, takes in reports:
    if only and name not in only:
        continue
    path = f"/api/v1/reports/{name}"
    start = time.perf_counter()
    status = get(admin, path, {})[0]
    # The first answer folds in what the summaries have not seen yet: here the migration's back-fill (a rebuild).
    first_ms[name] = (time.perf_counter() - start) * 1000
    if status == 404:
        missing.append(name)
        print(f"| `{name}` | — | — | — | — | missing | missing | missing |", flush=True)
        continue
    for who, token in callers:
        # A report this caller's role may not run (campaign results: admins and marketing) is said, not timed.
        if get(token, path, {})[0] == 403:
            print(f"| `{name}` | {who} | — | — | — | forbidden | forbidden | forbidden |", flush=True)
            continue
        for label, params in filters:
            if ("from" in params and "range" not in takes) or ("team_id" in params and "team" not in takes):
                continue
            for fmt in ("json", "csv"):
                p50, p90, p99, size, body = timed(token, path, {**params, "format": fmt})
                if bodies:  # each answer once, to diff two builds' answers on the same data
                    bodies.write(f"{name} | {who} | {label} | {fmt} | {body.decode('utf-8', 'replace')}\n")
                mark = f"**{p99:.1f}**" if p99 >= GOAL_MS else f"{p99:.1f}"
                print(f"| `{name}` | {who} | {label} | {fmt} | {size} | {p50:.1f} | {p90:.1f} | {mark} |", flush=True)
                if p99 > worst.get(name, (0,))[0]:
                    worst[name] = (p99, who, label, fmt)
print("first answer per report (admin, whole history, json; includes any summary back-fill): "
      + ", ".join(f"{n} {ms:.0f} ms" for n, ms in first_ms.items()))
print("worst p99 per report:")
for name, (p99, who, label, fmt) in worst.items():
    print(f"  {name}: {p99:.1f} ms ({who}, {label}, {fmt}){'  OVER ' + str(GOAL_MS) + ' ms' if p99 >= GOAL_MS else ''}")
for name in missing:
    print(f"  {name}: missing (404 in this build)")
if worst:
    name, (p99, *_) = max(worst.items(), key=lambda kv: kv[1][0])
    print(f"worst p99 of all: {p99:.1f} ms ({name}); goal p99 < {GOAL_MS} ms: {'met' if p99 < GOAL_MS else 'NOT met'}"
          f"{' by the reports present' if missing else ''}")
client.close(); p.terminate(); p.wait()
