#!/usr/bin/env python3
"""Full-text search latency on SQLite with 1 M messages (scripts/bench-search.sh runs it).

Seeds the lookup benchmark's database (scripts/bench_seed.py) and gives every message a text body of 40 words drawn
from a Russian and English vocabulary: a common word (`договор` in some inflection, in 1 of 5 bodies; `invoice` in
1 of 5), a Cyrillic word of middling frequency (`поставка`, 1 in 20) and a rare one (`криптовалюта`, 1 in 100 000).
The server's indexer indexes them (its time is printed), then GET /api/v1/search is timed over one keep-alive
connection for each term as the admin (all mail) and as a salesperson whose one personal mailbox holds 1 % of it.
Usage: scripts/bench-search.py BIN [MESSAGES] [CONTACTS]. KEEP=dir seeds and indexes into that directory and keeps
it, and a later run with the same KEEP only times it again; SEED_ONLY=1 stops after indexing.
MAILROOM_BENCH_PG=postgres://user@host:port (scripts/bench-search.sh with PG=1): the seeded SQLite database, without
its search index, is copied into a fresh PostgreSQL database, the server indexes it there (tsvector + GIN) and is
timed on it (PG_DB=name times a database an earlier run with SEED_ONLY=1 left)."""
import os, random, shutil, sqlite3, sys, time, urllib.parse

from bench_seed import ADMIN_EMAIL, ADMIN_PASSWORD, Client, copy_to_postgres, kept_data_dir, percentiles, seed_base, serve

binary = sys.argv[1]
messages = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
contacts = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
data, env, reuse = kept_data_dir("mailroom-search-")
kept = os.environ.get("KEEP")


def seed_and_index():
    """Seeds a fresh database, lets the server index it; returns the server process and its address."""
    p, _ = serve(binary, env); p.terminate(); p.wait()
    db = sqlite3.connect(os.path.join(data, "mailroom.db"))
    db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=OFF")
    t0 = time.time()
    now = int(time.time() * 1000)
    seed_base(db, now, messages, contacts)

    FILLER = ("встреча отправить счёт оплата менеджер клиент проект срок работа вопрос ответ письмо документ цена заказ "
              "склад доставка офис неделя пятница отчёт согласование приложение звонок обсуждение условия компания "
              "meeting please regards project schedule delivery order price update report team call thanks attached "
              "review budget quarter office week friday question answer").split()
    DOGOVOR = ["договор", "договора", "договору", "договором", "договоре", "договоры", "договоров"]
    rnd = random.Random(19)

    def body(i):
        words = [rnd.choice(FILLER) for _ in range(40)]
        if i % 5 == 0: words[rnd.randrange(40)] = rnd.choice(DOGOVOR)
        if i % 5 == 1: words[rnd.randrange(40)] = rnd.choice(["invoice", "invoices", "invoiced"])
        if i % 20 == 3: words[rnd.randrange(40)] = rnd.choice(["поставка", "поставки", "поставками", "поставке"])
        if i % 100_000 == 7: words[rnd.randrange(40)] = "криптовалюта"
        return " ".join(words)

    db.executemany("UPDATE messages SET text_body = ? WHERE id = ?", ((body(i), i) for i in range(1, messages + 1)))
    # The salesperson's personal mailbox holds every 97th message from the 7th (also in the shared one): a step prime to
    # the vocabulary's 5 and 20, so it holds each word in its share (every 100th held `invoice` alone).
    db.execute("INSERT INTO mailboxes (id, name, host, port, security, username, password_enc, created_at, updated_at, kind, visibility) "
               "VALUES (2, 'mine', '127.0.0.1', 1, 'plain', 'seller@bench.local', 'x', ?, ?, 'personal', 'subject')", (now, now))
    db.execute("INSERT INTO mail_folders (id, mailbox_id, name, role, uidvalidity, last_uid) VALUES (2, 2, 'INBOX', 'inbox', 1, ?)", (messages,))
    db.executemany("INSERT INTO message_locations (message_id, folder_id, uidvalidity, uid) VALUES (?, 2, 1, ?)",
                   ((i, i) for i in range(7, messages + 1, 97)))
    # The reply tracker would read all the seeded mail in the background during the timings (no search's work).
    db.execute("INSERT INTO awaiting_cursor (id, last_message_id) VALUES (1, ?)", (messages,))
    db.commit(); db.execute("ANALYZE"); db.commit(); db.close()
    seeded = time.time() - t0

    p, addr = serve(binary, env)
    client = Client(addr)
    call = client.call
    admin = client.admin()
    seller = call("POST", "/api/v1/users", admin, {"email": "seller@bench.local", "name": "Продавец", "role": "sales",
                                                 "password": "seller-password"})["id"]
    live = sqlite3.connect(os.path.join(data, "mailroom.db"))
    live.execute("UPDATE mailboxes SET owner_id = ? WHERE id = 2", (seller,)); live.commit()
    t1 = time.time()
    while True:
        done = live.execute("SELECT last_message_id FROM search_cursor").fetchone()[0]
        queued = live.execute("SELECT COUNT(*) FROM search_dirty").fetchone()[0]
        if done >= messages and queued == 0:
            break
        time.sleep(1)
    indexed = time.time() - t1
    live.close()
    size = os.path.getsize(os.path.join(data, "mailroom.db")) / 1e6
    print(f"{messages} messages, {contacts} contacts: seeded in {seeded:.0f} s; indexed by the server in {indexed:.0f} s "
          f"({messages / indexed:.0f} msg/s; records and notes too); database {size:.0f} MB")
    return p, addr


def on_postgres():
    """Copies the seeded SQLite database into a fresh PostgreSQL one, without the search index and its queue, and
    waits while the server indexes it there; returns the server process and its address."""
    import glob, subprocess
    from urllib.parse import urlparse
    server = urlparse(os.environ["MAILROOM_BENCH_PG"])
    psql_bin = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))[-1]
    psql = [psql_bin, "-h", server.hostname, "-p", str(server.port), "-U", server.username or "postgres"]
    # PG_DB=name: that database, copied and indexed by an earlier run with SEED_ONLY=1, is timed again.
    name = os.environ.get("PG_DB") or f"mailroom_search_{os.getpid()}"
    env["MAILROOM_DATABASE_URL"] = f"{os.environ['MAILROOM_BENCH_PG'].rstrip('/')}/{name}"
    if os.environ.get("PG_DB"):
        return serve(binary, env)
    subprocess.run(psql + ["-d", "postgres", "-q", "-c", f"CREATE DATABASE {name}"], check=True)
    p, _ = serve(binary, env)  # the migrations make the schema
    p.terminate(); p.wait()
    src = sqlite3.connect(os.path.join(data, "mailroom.db"))
    skip = [t for t, in src.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'search%'")]
    src.close()
    t0 = time.time()
    copy_to_postgres(os.path.join(data, "mailroom.db"), psql + ["-d", name], skip=skip)
    queue = " ".join(f"INSERT INTO search_dirty (kind, doc_id) SELECT '{k}', id FROM {t};" for k, t in
                     (("contact", "contacts"), ("company", "companies"), ("lead", "leads"), ("deal", "deals"),
                      ("note", "notes")))
    subprocess.run(psql + ["-d", name, "-q", "-c", queue], check=True)
    copied = time.time() - t0
    p, addr = serve(binary, env)
    t1 = time.time()
    while True:
        out = subprocess.run(psql + ["-d", name, "-At", "-c", "SELECT (SELECT last_message_id FROM search_cursor), "
                                     "(SELECT COUNT(*) FROM search_dirty)"], check=True, capture_output=True, text=True)
        done, queued = (int(v) for v in out.stdout.strip().split("|"))
        if done >= messages and queued == 0:
            break
        time.sleep(2)
    indexed = time.time() - t1
    # As autovacuum would soon: the planner sees the filled index tables.
    subprocess.run(psql + ["-d", name, "-q", "-c", "VACUUM ANALYZE"], check=True)
    print(f"PostgreSQL database {name}: copied in {copied:.0f} s; indexed by the server in {indexed:.0f} s "
          f"({messages / indexed:.0f} msg/s; records and notes too)")
    return p, addr


if os.environ.get("MAILROOM_BENCH_PG"):
    if not reuse:
        p, addr = seed_and_index()
        p.terminate(); p.wait()
    p, addr = on_postgres()
    if os.environ.get("SEED_ONLY"):
        p.terminate(); p.wait()
        sys.exit(0)
elif reuse:
    p, addr = serve(binary, env)
else:
    p, addr = seed_and_index()
    if os.environ.get("SEED_ONLY"):
        p.terminate(); p.wait()
        sys.exit(0)
# The keep-alive connection sat idle while the server indexed (it closes idle ones after 30 s): a new one.
client = Client(addr)
call = client.call
admin = client.login(ADMIN_EMAIL, ADMIN_PASSWORD)
sales = client.login("seller@bench.local", "seller-password")

TERMS = [("rare", "криптовалюта"), ("common", "договоры"), ("common English", "invoice"), ("Cyrillic", "поставками"),
         ("prefix", "догов*"), ("phrase", '"договор поставка"')]

def run(token, who, kind="mail"):
    for label, term in TERMS:
        path = f"/api/v1/search?q={urllib.parse.quote(term)}&kind={kind}&limit=20"
        times, hits = [], 0
        for n in range(330):
            start = time.perf_counter()
            page = call("GET", path, token)
            if n >= 30:  # warm-up excluded
                times.append((time.perf_counter() - start) * 1000)
            hits = len(page["items"])
        p50, p90, p99 = percentiles(times)
        print(f"  {who:<12} {label:<15} {term!r:<22} kind={kind:<4} {hits:>2} hits/page: p50 {p50:6.2f} ms  p90 {p90:6.2f} ms  p99 {p99:6.2f} ms")

run(admin, "admin")
run(sales, "salesperson")
run(admin, "admin", "all")
run(sales, "salesperson", "all")
p.terminate(); p.wait()
if not kept:
    shutil.rmtree(data)
