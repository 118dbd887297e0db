#!/usr/bin/env python3
"""Side-panel lookup latency on SQLite with 1 M messages and 100 k contacts.

Seeds a fresh database (made by `mailroom serve`) with contacts, companies, deals, tasks, notes and messages linked
to the contacts, then times GET /api/v1/lookup for random contacts over one keep-alive connection and prints p50 /
p99. Usage: scripts/bench-lookup.py BIN [MESSAGES] [CONTACTS]   (run by scripts/bench-lookup.sh)"""
import os, random, sqlite3, sys, time

from bench_seed import Client, data_dir, seed_base, serve

binary = sys.argv[1]
messages = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
contacts = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
data, env = data_dir("mailroom-lookup-")

p, _ = serve(binary, env); p.terminate(); p.wait()
db = sqlite3.connect(os.path.join(data, "mailroom.db"))
db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=OFF")
t0 = time.time()
now = int(time.time() * 1000)
seed_base(db, now, messages, contacts)
db.commit(); db.execute("ANALYZE"); db.commit(); db.close()
seeded = time.time() - t0

p, addr = serve(binary, env)
client = Client(addr)
conn, call = client.conn, client.call

admin = client.admin()
seller = call("POST", "/api/v1/users", admin, {"email": "seller@bench.local", "name": "Продавец", "role": "sales",
                                             "password": "seller-password"})["id"]
# The salesperson owns every contact (and so sees its deals, tasks, notes and, by the mailbox's policy, its mail).
live = sqlite3.connect(os.path.join(data, "mailroom.db"))
live.execute("UPDATE contacts SET owner_id = ?", (seller,)); live.execute("UPDATE deals SET owner_id = ?", (seller,))
live.commit(); live.close()
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

run(admin, "admin")
run(sales, "salesperson (access model)")
p.terminate(); p.wait()
