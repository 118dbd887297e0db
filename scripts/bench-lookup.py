#!/usr/bin/env python3
"""Side-panel lookup latency on SQLite with 1 M messages and 100 k contacts.

Seeds a fresh database (made by `mailroom serve`) with contacts, companies, deals, tasks, notes and messages linked
to the contacts, then times GET /api/v1/lookup for random contacts over one keep-alive connection and prints p50 /
p99. Usage: scripts/bench-lookup.py BIN [MESSAGES] [CONTACTS]   (run by scripts/bench-lookup.sh)"""
import http.client, json, os, random, sqlite3, subprocess, sys, tempfile, time

binary = sys.argv[1]
messages = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
contacts = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
data = tempfile.mkdtemp(prefix="mailroom-lookup-")
env = dict(os.environ, MAILROOM_DATA_DIR=data, MAILROOM_ADMIN_EMAIL="admin@bench.local",
           MAILROOM_ADMIN_PASSWORD="bench-password", MAILROOM_LISTEN="127.0.0.1:0", MAILROOM_LOG="warn",
           MAILROOM_IMAP_WORKERS="false", MAILROOM_SEND_WORKER="false")

def serve():
    p = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.PIPE, text=True)
    for line in p.stdout:
        if line.startswith("Mailroom listening on "):
            return p, line.split()[3].removeprefix("http://")
    raise SystemExit("server did not start")

p, _ = serve(); p.terminate(); p.wait()
db = sqlite3.connect(os.path.join(data, "mailroom.db"))
db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=OFF")
t0 = time.time()
now = int(time.time() * 1000)
db.executemany("INSERT INTO companies (id, name, name_norm, owner_id, tags, search, created_at, updated_at) VALUES (?,?,?,1,'',?,?,?)",
               ((i, f"Компания {i}", f"компания {i}", f"компания {i} co{i}.ru", now, now) for i in range(1, contacts // 10 + 1)))
db.executemany("INSERT INTO company_domains (company_id, domain) VALUES (?,?)", ((i, f"co{i}.ru") for i in range(1, contacts // 10 + 1)))
db.executemany("INSERT INTO contacts (id, name, position, company_id, owner_id, tags, search, created_at, updated_at) VALUES (?,?,?,?,1,'',?,?,?)",
               ((i, f"Контакт {i}", "Менеджер", i % (contacts // 10) + 1, f"контакт {i} c{i}@co{i % (contacts // 10) + 1}.ru", now, now) for i in range(1, contacts + 1)))
db.executemany("INSERT INTO contact_emails (contact_id, email, is_primary) VALUES (?,?,1)",
               ((i, f"c{i}@co{i % (contacts // 10) + 1}.ru") for i in range(1, contacts + 1)))
stage = db.execute("SELECT id, pipeline_id FROM stages ORDER BY id LIMIT 1").fetchone()
db.executemany("INSERT INTO deals (title, amount_minor, currency, pipeline_id, stage_id, contact_id, company_id, owner_id, search, created_at, updated_at) VALUES (?,?,?,?,?,?,?,1,'',?,?)",
               ((f"Сделка {i}", 100000, "RUB", stage[1], stage[0], i, i % (contacts // 10) + 1, now, now) for i in range(1, contacts + 1, 5)))
db.executemany("INSERT INTO tasks (title, assignee_id, record_kind, record_id, done, created_by, created_at, updated_at) VALUES (?,1,'contact',?,0,1,?,?)",
               ((f"Задача {i}", i, now, now) for i in range(1, contacts + 1, 3)))
db.executemany("INSERT INTO notes (record_kind, record_id, body, author_id, created_at, updated_at) VALUES ('contact',?,?,1,?,?)",
               ((i, f"Заметка {i}", now, now) for i in range(1, contacts + 1, 2)))
db.executemany("INSERT INTO threads (id, subject_norm, last_at) VALUES (?,?,?)", ((i, f"тема {i}", now) for i in range(1, messages // 4 + 1)))
def mail_rows():
    for i in range(1, messages + 1):
        yield (i, f"h{i}", f"m{i}@bench", f"Тема {i}", f"c{i % contacts + 1}@x.ru", now - i * 1000, now, 500, i // 4 + 1)
db.executemany("INSERT INTO raw_messages (hash, bytes) VALUES (?, x'00')", ((f"h{i}",) for i in range(1, messages + 1)))
db.executemany("INSERT INTO messages (id, hash, message_id, subject, from_address, sent_at, received_at, size, thread_id, created_at, has_attachments) VALUES (?,?,?,?,?,?,?,?,?,0,0)", mail_rows())
db.executemany("INSERT INTO message_links (message_id, record_kind, record_id, source, removed, created_at) VALUES (?, 'contact', ?, 'auto', 0, ?)",
               ((i, i % contacts + 1, now) for i in range(1, messages + 1)))
# Every message sits in the Inbox of one shared mailbox (policy `subject`): a salesperson reads it through the
# access model (linked to a contact they own; not a member), which is what the second run measures.
db.execute("INSERT INTO mailboxes (id, name, host, port, security, username, password_enc, created_at, updated_at, kind, visibility) "
           "VALUES (1, 'bench', '127.0.0.1', 1, 'plain', 'sales@bench.local', 'x', ?, ?, 'shared', 'subject')", (now, now))
db.execute("INSERT INTO mail_folders (id, mailbox_id, name, role, uidvalidity, last_uid) VALUES (1, 1, 'INBOX', 'inbox', 1, ?)", (messages,))
db.executemany("INSERT INTO message_locations (message_id, folder_id, uidvalidity, uid) VALUES (?, 1, 1, ?)",
               ((i, i) for i in range(1, messages + 1)))
db.commit(); db.execute("ANALYZE"); db.commit(); db.close()
seeded = time.time() - t0

p, addr = serve()
conn = http.client.HTTPConnection(addr)

def call(method, path, token=None, body=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    return json.loads(conn.getresponse().read() or b"null")

admin = call("POST", "/api/v1/auth/login", body={"email": "admin@bench.local", "password": "bench-password"})["token"]
seller = call("POST", "/api/v1/users", admin, {"email": "seller@bench.local", "name": "Продавец", "role": "sales",
                                             "password": "seller-password"})["id"]
# The salesperson owns every contact (and so sees its deals, tasks, notes and, by the mailbox's policy, its mail).
live = sqlite3.connect(os.path.join(data, "mailroom.db"))
live.execute("UPDATE contacts SET owner_id = ?", (seller,)); live.execute("UPDATE deals SET owner_id = ?", (seller,))
live.commit(); live.close()
sales = call("POST", "/api/v1/auth/login", body={"email": "seller@bench.local", "password": "seller-password"})["token"]

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
