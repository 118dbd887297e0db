#!/usr/bin/env python3
"""List-page latency (issue 14) on the lookup benchmark's database: 1 M messages, 100 k contacts.

Seeds a fresh SQLite database the way scripts/bench-lookup.py does (same records and mail), plus 50 000 leads,
custom fields with values on contacts and leads, a team of two salespeople who own a fifth of the records each
(and some shares), then times every API call behind the console's list pages: first page and a deep page (reached
through the cursor), for an admin and for one of the salespeople, N requests each after a warm-up, over one
keep-alive connection, and prints p50 / p90 / p99 per call.
Usage: scripts/bench-lists.py BIN [MESSAGES] [CONTACTS] [REQUESTS]   (run by scripts/bench-lists.sh)"""
import json, os, sqlite3, sys, time
from urllib.parse import urlencode

from bench_seed import Client, data_dir, percentiles, seed_base, serve

binary = sys.argv[1]
messages = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
contacts = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
requests = int(sys.argv[4]) if len(sys.argv) > 4 else 200
WARMUP, DEPTH = 20, 40  # the deep page is the 41st (2 000 records in at limit 50)
leads = contacts // 2
data, env = data_dir("mailroom-lists-")

# Users, the team and the custom fields go through the API (as an admin would make them); records are bulk-seeded.
p, addr = serve(binary, env)
client = Client(addr)
conn, call = client.conn, client.call
admin = client.admin()
seller = call("POST", "/api/v1/users", admin, {"email": "seller@bench.local", "name": "Продавец", "role": "sales",
                                             "password": "seller-password"})["id"]
colleague = call("POST", "/api/v1/users", admin, {"email": "colleague@bench.local", "name": "Коллега", "role": "sales",
                                                "password": "colleague-password"})["id"]
call("POST", "/api/v1/teams", admin, {"name": "Продажи", "members": [{"user_id": seller}, {"user_id": colleague}]})
fields = {}
for kind, key, ftype, options in (("contact", "revenue", "number", []), ("contact", "segment", "single_choice", ["A", "B", "C", "D"]),
                                  ("lead", "budget", "money", []), ("lead", "channel", "single_choice", ["web", "call", "fair"])):
    fields[key] = call("POST", "/api/v1/custom-fields", admin, {"kind": kind, "key": key, "label": key, "type": ftype,
                                                               "required": False, "position": 0, "options": options})["id"]
conn.close(); p.terminate(); p.wait()

def owner(i):  # a fifth each to the two salespeople, the rest to the admin
    return seller if i % 5 == 0 else colleague if i % 5 == 1 else 1

db = sqlite3.connect(os.path.join(data, "mailroom.db"))
db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=OFF")
t0 = time.time()
now = int(time.time() * 1000)
# --- as scripts/bench-lookup.py, with owners spread and updated_at varied so sorts have work to do ---
stage = seed_base(db, now, messages, contacts, owner=owner, age_ms=10_000_000)
# --- what the list pages add: leads (a seventh in the open pool), custom values, shares ---
statuses = ("new", "in_work", "lost", "converted")
db.executemany("INSERT INTO leads (id, name, email, status, owner_id, search, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)",
               ((i, f"Лид {i}", f"l{i}@lead{i % 5000}.ru", statuses[i % 4], None if i % 7 == 3 else owner(i),
                 f"лид {i} l{i}@lead{i % 5000}.ru", now, now - (i * 7919) % 10_000_000) for i in range(1, leads + 1)))
# 9 contacts in 10 have a revenue, every one a segment; 4 leads in 5 a budget, every one a channel.
db.executemany("INSERT INTO custom_values (field_id, record_kind, record_id, value_text, value_num) VALUES (?,'contact',?,?,?)",
               ((fields["revenue"], i, str((i * 7919) % 1_000_000), float((i * 7919) % 1_000_000)) for i in range(1, contacts + 1) if i % 10))
db.executemany("INSERT INTO custom_values (field_id, record_kind, record_id, value_text, value_num) VALUES (?,'contact',?,?,NULL)",
               ((fields["segment"], i, "ABCD"[i % 4]) for i in range(1, contacts + 1)))
db.executemany("INSERT INTO custom_values (field_id, record_kind, record_id, value_text, value_num) VALUES (?,'lead',?,?,?)",
               ((fields["budget"], i, f"{(i * 31) % 100000}.50", (i * 31) % 100000 + 0.5) for i in range(1, leads + 1) if i % 5))
db.executemany("INSERT INTO custom_values (field_id, record_kind, record_id, value_text, value_num) VALUES (?,'lead',?,?,NULL)",
               ((fields["channel"], i, ("web", "call", "fair")[i % 3]) for i in range(1, leads + 1)))
# The colleague shares 1 000 contacts with the salesperson (their `team` scope holds exactly those of the colleague's).
db.executemany("INSERT INTO shares (record_kind, record_id, user_id) VALUES ('contact', ?, ?)",
               ((i, seller) for i in range(1, contacts + 1, 5)[:1000]))
db.commit(); db.execute("ANALYZE"); db.commit(); db.close()
seeded = time.time() - t0

p, addr = serve(binary, env)
client = Client(addr)
conn, call = client.conn, client.call
sales = client.login("seller@bench.local", "seller-password")
pipeline = stage[1]

def page(token, path, params):
    conn.request("GET", f"{path}?{urlencode(params)}", headers={"Authorization": "Bearer " + token})
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        raise SystemExit(f"GET {path} {params}: {r.status} {body[:300]!r}")
    return json.loads(body)

def deep(token, path, params):
    """The params of the page DEPTH pages in, following the cursor (None when the list is shorter)."""
    params = dict(params)
    for _ in range(DEPTH):
        out = page(token, path, params)
        if isinstance(out, list):
            return None
        cursor = out.get("next_cursor") or out.get("next_after")
        if cursor is None:
            return None
        params["after"] = cursor
    return params

def timed(token, path, params):
    times = []
    for n in range(WARMUP + requests):
        start = time.perf_counter()
        conn.request("GET", f"{path}?{urlencode(params)}", headers={"Authorization": "Bearer " + token})
        r = conn.getresponse(); body = r.read()
        elapsed = (time.perf_counter() - start) * 1000
        assert r.status == 200, body[:300]
        if n >= WARMUP:
            times.append(elapsed)
    out = json.loads(body)
    return (*percentiles(times), len(out if isinstance(out, list) else out.get("items", [])))

# What the console's pages call (console/records.js, board.js, tasks.js, duplicates.js, people.js, campaigns.js …).
record_lists = {
    "contacts": ("name", "контакт 4242", "-custom.revenue", {"custom.segment": "B"}),
    "companies": ("name", "компания 424", None, None),
    "leads": ("name", "лид 4242", "-custom.budget", {"custom.channel": "web"}),
    "deals": ("title", "сделка 4242", None, None),
}
calls = []
for kind, (name, q, custom_sort, custom_filter) in record_lists.items():
    base = {"limit": 50}
    calls += [(f"{kind}", f"/api/v1/{kind}", base), (f"{kind} sort=-updated_at", f"/api/v1/{kind}", {**base, "sort": "-updated_at"}),
              (f"{kind} sort={name}", f"/api/v1/{kind}", {**base, "sort": name}), (f"{kind} scope=mine", f"/api/v1/{kind}", {**base, "scope": "mine"}),
              (f"{kind} scope=team", f"/api/v1/{kind}", {**base, "scope": "team"}), (f"{kind} q={q}", f"/api/v1/{kind}", {**base, "q": q})]
    if custom_sort:
        calls.append((f"{kind} sort={custom_sort}", f"/api/v1/{kind}", {**base, "sort": custom_sort}))
        key, value = next(iter(custom_filter.items()))
        calls.append((f"{kind} {key}={value}", f"/api/v1/{kind}", {**base, key: value}))
calls += [("deal board", "/api/v1/deals", {"pipeline_id": pipeline, "limit": 200}),
          ("my tasks", "/api/v1/tasks", {"assignee_id": "ME", "done": "false", "limit": 200}),
          ("messages", "/api/v1/messages", {"limit": 50}),
          ("duplicates", "/api/v1/duplicates", {"limit": 100}),
          ("users directory", "/api/v1/users/directory", {}),
          ("campaigns", "/api/v1/campaigns", {"limit": 100}), ("templates", "/api/v1/templates", {}),
          ("segments", "/api/v1/segments", {})]
admin_only = {"campaigns", "templates", "segments"}  # marketing routes: a salesperson gets 403

print(f"{messages} messages, {contacts} contacts, {leads} leads (seeded in {seeded:.0f} s); {requests} requests per row after {WARMUP} warm-up")
print("| call | caller | page | items | p50 ms | p90 ms | p99 ms |")
print("|---|---|---|---|---|---|---|")
slow = []
for label, path, params in calls:
    for who, token, uid in (("admin", admin, 1), ("salesperson", sales, seller)):
        if who == "salesperson" and label in admin_only:
            continue
        first = {k: (uid if v == "ME" else v) for k, v in params.items()}
        for which, ps in (("first", first), (f"deep ({DEPTH + 1}th)", deep(token, path, first))):
            if ps is None:
                continue
            p50, p90, p99, items = timed(token, path, ps)
            mark = f"**{p99:.1f}**" if p99 >= 50 else f"{p99:.1f}"
            print(f"| `{label}` | {who} | {which} | {items} | {p50:.1f} | {p90:.1f} | {mark} |", flush=True)
            if p99 >= 50:
                slow.append((label, who, which, p99))
print(f"over p99 50 ms: {len(slow)}" + "".join(f"\n  {l} / {w} / {x}: {v:.1f} ms" for l, w, x, v in slow))
conn.close(); p.terminate(); p.wait()
