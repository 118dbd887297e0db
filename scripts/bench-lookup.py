#!/usr/bin/env python3
"""Side-panel lookup latency on SQLite with 1 M messages and 100 k contacts (or as many as given).

Seeds a fresh database (made by `mailroom serve`) with contacts, companies, deals, tasks, notes and messages linked
to the contacts, then times GET /api/v1/lookup for random contacts over one keep-alive connection and prints p50 /
p99; then, with CLIENTS > 0, the same lookups from that many concurrent connections (`mailroom bench http`): as fast
as answered (the throughput) and at each rate in RATES (open loop). The search indexer and the reply tracker are
told the seeded mail is done (their cursors set past it), so that they do not work through it during the timings:
the lookup reads neither's results.
Usage: scripts/bench-lookup.py BIN [MESSAGES] [CONTACTS] [CLIENTS] [RATES, comma-separated req/s]
(run by scripts/bench-lookup.sh)"""
import os, random, shutil, sqlite3, subprocess, sys, tempfile, time

from bench_seed import ADMIN_EMAIL, ADMIN_PASSWORD, Client, kept_data_dir, seed_base, serve

binary = sys.argv[1]
messages = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
contacts = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
clients = int(sys.argv[4]) if len(sys.argv) > 4 else 0
rates = [float(r) for r in sys.argv[5].split(",")] if len(sys.argv) > 5 else [50, 200]
# KEEP=dir seeds into that directory and keeps it (10 M messages take half an hour to seed).
data, env, reuse = kept_data_dir("mailroom-lookup-")

if reuse:
    seeded = 0
else:
    p, _ = serve(binary, env); p.terminate(); p.wait()
    db = sqlite3.connect(os.path.join(data, "mailroom.db"))
    db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=OFF")
    t0 = time.time()
    now = int(time.time() * 1000)
    seed_base(db, now, messages, contacts)
    db.execute("UPDATE search_cursor SET last_message_id = ?", (messages,)); db.execute("DELETE FROM search_dirty")
    db.commit(); db.execute("ANALYZE"); db.commit(); db.close()
    seeded = time.time() - t0

p, addr = serve(binary, env)
client = Client(addr)
conn, call = client.conn, client.call

if reuse:
    admin = client.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    seller = next(u["id"] for u in call("GET", "/api/v1/users", admin)["items"] if u["email"] == "seller@bench.local")
else:
    admin = client.admin()
    seller = call("POST", "/api/v1/users", admin, {"email": "seller@bench.local", "name": "Продавец", "role": "sales",
                                                 "password": "seller-password"})["id"]
# The salesperson owns every contact (and so sees its deals, tasks, notes and, by the mailbox's policy, its mail).
# The new owners queue every record for the search indexer, whose work would run through the timings: dropped (an
# owner is not part of a record's indexed text).
live = sqlite3.connect(os.path.join(data, "mailroom.db"))
live.execute("UPDATE contacts SET owner_id = ? WHERE owner_id IS NOT ?", (seller, seller))
live.execute("UPDATE deals SET owner_id = ? WHERE owner_id IS NOT ?", (seller, seller))
live.execute("DELETE FROM search_dirty")
# The reply tracker would read all the seeded mail in the background too (not timed here, and it is no lookup's work).
live.execute("INSERT INTO awaiting_cursor (id, last_message_id) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET "
             "last_message_id = excluded.last_message_id", (messages,))
live.commit(); live.close()
# At 1 M contacts the updates outlast the server's 30 s idle timeout of the keep-alive connection: a new one.
client = Client(addr)
conn, call = client.conn, client.call
sales = client.login("seller@bench.local", "seller-password")

def run(token, who):
    rnd = random.Random(7)
    times = []
    for n in range(2200):
        i = rnd.randint(1, contacts)
        headers = {"Authorization": "Bearer " + token}
        start = time.perf_counter()
        conn.request("GET", f"/api/v1/lookup?email=c{i}@co{i % (contacts // 10) + 1}.ru&message_id=m{i}@bench", headers=headers)
        body = conn.getresponse().read()
        elapsed = time.perf_counter() - start
        if n >= 200:  # warm-up excluded
            times.append(elapsed * 1000)
        assert b'"person":{' in body, body[:300]
    times.sort()
    pct = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f"lookup as {who}: {messages} messages, {contacts} contacts (seeded in {seeded:.0f} s); {len(times)} lookups: "
          f"p50 {pct(0.5):.2f} ms, p90 {pct(0.9):.2f} ms, p99 {pct(0.99):.2f} ms, max {times[-1]:.2f} ms")

def path(i):
    return f"/api/v1/lookup?email=c{i}@co{i % (contacts // 10) + 1}.ru&message_id=m{i}@bench"

def concurrent(token, who):
    """`mailroom bench http` with `clients` connections: 5 s of warm-up, then 20 s closed loop and 20 s per rate."""
    rnd = random.Random(11)
    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False) as f:
        f.write("\n".join(path(rnd.randint(1, contacts)) for _ in range(200_000)))
    env = dict(os.environ, MAILROOM_BENCH_TOKEN=token)
    def load(*args):
        out = subprocess.run([binary, "bench", "http", f.name, "--base", "http://" + addr, "--clients", str(clients), *args],
                             env=env, capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(out.stderr)
        return out.stdout.strip()
    load("--seconds", "5")
    print(f"lookup as {who}, {clients} clients, as fast as answered: {load('--seconds', '20')}")
    for rate in rates:
        print(f"lookup as {who}, {clients} clients, {rate:.0f} req/s in all: {load('--rate', str(rate), '--seconds', '20')}")
    os.unlink(f.name)

run(admin, "admin")
run(sales, "salesperson (access model)")
if clients:
    concurrent(admin, "admin")
    concurrent(sales, "salesperson (access model)")
p.terminate(); p.wait()
