"""The lookup benchmark's database, shared by scripts/bench-lookup.py, bench-lists.py and bench-reports.py.

A fresh data dir whose database `mailroom serve` makes (migrations and the admin), a client over one keep-alive
connection, and `seed_base`: contacts, companies, deals, tasks, notes and 1 M messages linked to the contacts in one
shared mailbox, bulk-inserted with Python's sqlite3 while the server is stopped."""
import http.client, json, os, subprocess, tempfile

ADMIN_EMAIL, ADMIN_PASSWORD = "admin@bench.local", "bench-password"


def data_dir(prefix):
    """A temp data dir and the server's environment for it (no IMAP or send workers)."""
    data = tempfile.mkdtemp(prefix=prefix)
    env = dict(os.environ, MAILROOM_DATA_DIR=data, MAILROOM_ADMIN_EMAIL=ADMIN_EMAIL,
               MAILROOM_ADMIN_PASSWORD=ADMIN_PASSWORD, MAILROOM_LISTEN="127.0.0.1:0", MAILROOM_LOG="warn",
               MAILROOM_IMAP_WORKERS="false", MAILROOM_SEND_WORKER="false")
    return data, env


def kept_data_dir(prefix):
    """`data_dir`, or with KEEP=dir that directory, kept after the run: returns (data, env, reuse), reuse being
    whether an earlier run already seeded it (a later run with the same KEEP times the kept database again)."""
    data, env = data_dir(prefix)
    kept = os.environ.get("KEEP")
    if not kept:
        return data, env, False
    os.rmdir(data)
    os.makedirs(kept, exist_ok=True)
    env["MAILROOM_DATA_DIR"] = kept
    return kept, env, os.path.exists(os.path.join(kept, "mailroom.db"))


def serve(binary, env):
    """Starts `mailroom serve`; returns the process and its host:port once it listens."""
    p = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.PIPE, text=True)
    for line in p.stdout:
        if line.startswith("Mailroom listening on "):
            return p, line.split()[3].removeprefix("http://")
    raise SystemExit("server did not start")


class Client:
    """JSON calls over one keep-alive connection; `strict` stops the run on a status >= 300."""

    def __init__(self, addr):
        self.conn = http.client.HTTPConnection(addr)

    def call(self, method, path, token=None, body=None, strict=True):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        self.conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        r = self.conn.getresponse()
        out = json.loads(r.read() or b"null")
        if strict and r.status >= 300:
            raise SystemExit(f"{method} {path}: {r.status} {out}")
        return out

    def login(self, email, password):
        return self.call("POST", "/api/v1/auth/login", body={"email": email, "password": password})["token"]

    def admin(self):
        """The admin's token. The start-up password is for one sign-in (403 password_change_required elsewhere): it
        is changed to itself and signed in anew."""
        token = self.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        self.call("POST", "/api/v1/me/password", token,
                  {"current_password": ADMIN_PASSWORD, "new_password": ADMIN_PASSWORD})
        return self.login(ADMIN_EMAIL, ADMIN_PASSWORD)

    def close(self):
        self.conn.close()


def seed_base(db, now, messages, contacts, owner=lambda i: 1, age_ms=None, deals=True, tasks=True, mail_gap_ms=1000):
    """The lookup benchmark's records: `contacts` contacts (an e-mail each) in contacts / 10 companies, a deal per
    fifth contact, an open task per third, a note per second, and `messages` messages linked to the contacts in the
    Inbox of one shared mailbox (policy `subject`), four to a thread, `mail_gap_ms` apart going back from `now`.
    `owner(i)` owns record i; `age_ms` spreads `updated_at` over that span (so sorts have work to do) and gives the
    deals distinct amounts and search text, as scripts/bench-lists.py measures them. Returns (stage id, pipeline id)
    of the first stage."""
    companies = contacts // 10
    vary = (lambda i: now - (i * 7919) % age_ms) if age_ms else (lambda i: now)
    db.executemany("INSERT INTO companies (id, name, name_norm, owner_id, tags, search, created_at, updated_at) VALUES (?,?,?,?,'',?,?,?)",
                   ((i, f"Компания {i}", f"компания {i}", owner(i), f"компания {i} co{i}.ru", now, vary(i)) for i in range(1, companies + 1)))
    db.executemany("INSERT INTO company_domains (company_id, domain) VALUES (?,?)", ((i, f"co{i}.ru") for i in range(1, companies + 1)))
    db.executemany("INSERT INTO contacts (id, name, position, company_id, owner_id, tags, search, created_at, updated_at) VALUES (?,?,?,?,?,'',?,?,?)",
                   ((i, f"Контакт {i}", "Менеджер", i % companies + 1, owner(i), f"контакт {i} c{i}@co{i % companies + 1}.ru", now, vary(i))
                    for i in range(1, contacts + 1)))
    db.executemany("INSERT INTO contact_emails (contact_id, email, is_primary) VALUES (?,?,1)",
                   ((i, f"c{i}@co{i % companies + 1}.ru") for i in range(1, contacts + 1)))
    stage = db.execute("SELECT id, pipeline_id FROM stages ORDER BY id LIMIT 1").fetchone()
    if deals:
        db.executemany("INSERT INTO deals (id, title, amount_minor, currency, pipeline_id, stage_id, contact_id, company_id, owner_id, search, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                       ((n, f"Сделка {i}", 100000 + i if age_ms else 100000, "RUB", stage[1], stage[0], i, i % companies + 1, owner(n),
                         f"сделка {i}" if age_ms else "", now, vary(n))
                        for n, i in enumerate(range(1, contacts + 1, 5), start=1)))
    if tasks:
        db.executemany("INSERT INTO tasks (title, assignee_id, record_kind, record_id, done, created_by, created_at, updated_at) VALUES (?,?,'contact',?,0,1,?,?)",
                       ((f"Задача {i}", owner(i), i, now, now) for i in range(1, contacts + 1, 3)))
    db.executemany("INSERT INTO notes (record_kind, record_id, body, author_id, created_at, updated_at) VALUES ('contact',?,?,1,?,?)",
                   ((i, f"Заметка {i}", now, now) for i in range(1, contacts + 1, 2)))
    db.executemany("INSERT INTO threads (id, subject_norm, last_at) VALUES (?,?,?)", ((i, f"тема {i}", now) for i in range(1, messages // 4 + 1)))

    def mail_rows():
        for i in range(1, messages + 1):
            yield (i, f"h{i}", f"m{i}@bench", f"Тема {i}", f"c{i % contacts + 1}@x.ru", now - i * mail_gap_ms, now, 500, i // 4 + 1)
    db.executemany("INSERT INTO raw_messages (hash, bytes) VALUES (?, x'00')", ((f"h{i}",) for i in range(1, messages + 1)))
    db.executemany("INSERT INTO messages (id, hash, message_id, subject, from_address, sent_at, received_at, size, thread_id, created_at, has_attachments) VALUES (?,?,?,?,?,?,?,?,?,0,0)", mail_rows())
    db.executemany("INSERT INTO message_links (message_id, record_kind, record_id, source, removed, created_at) VALUES (?, 'contact', ?, 'auto', 0, ?)",
                   ((i, i % contacts + 1, now) for i in range(1, messages + 1)))
    # Every message sits in the Inbox of one shared mailbox (policy `subject`): a salesperson reads it through the
    # access model (linked to a contact they own; not a member).
    db.execute("INSERT INTO mailboxes (id, name, host, port, security, username, password_enc, created_at, updated_at, kind, visibility) "
               "VALUES (1, 'bench', '127.0.0.1', 1, 'plain', 'sales@bench.local', 'x', ?, ?, 'shared', 'subject')", (now, now))
    db.execute("INSERT INTO mail_folders (id, mailbox_id, name, role, uidvalidity, last_uid) VALUES (1, 1, 'INBOX', 'inbox', 1, ?)", (messages,))
    db.executemany("INSERT INTO message_locations (message_id, folder_id, uidvalidity, uid) VALUES (?, 1, 1, ?)",
                   ((i, i) for i in range(1, messages + 1)))
    return stage


def percentiles(times):
    """p50, p90, p99 of a list of milliseconds."""
    times = sorted(times)
    pct = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    return pct(0.5), pct(0.9), pct(0.99)


def copy_to_postgres(sqlite_path, psql, skip=()):
    """Copies every table of the SQLite database at `sqlite_path` into the PostgreSQL database `psql` (the command
    line of a psql session, a list) whose schema `mailroom serve` made (same migrations): rows as they are, with
    triggers and foreign keys off while loading (`session_replication_role = replica`), then each identity column's
    sequence moved past its ids and ANALYZE. Tables in `skip` are left as the migrations made them."""
    import sqlite3
    src = sqlite3.connect(sqlite_path)
    tables = [t for t, in src.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                                      "AND name <> '_sqlx_migrations'") if t not in skip]

    def field(v):
        if v is None:
            return ""
        if isinstance(v, (int, float)):
            return str(v)
        if isinstance(v, bytes):
            return "\\x" + v.hex()
        return '"' + v.replace('"', '""') + '"'

    script = ["SET session_replication_role = replica;"]
    script += [f"TRUNCATE {t} CASCADE;" for t in tables]
    p = subprocess.Popen(psql + ["-q", "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE, text=True)
    p.stdin.write("\n".join(script) + "\n")
    for t in tables:
        cols = [c[1] for c in src.execute(f"PRAGMA table_info({t})")]
        p.stdin.write(f"COPY {t} ({', '.join(cols)}) FROM STDIN WITH (FORMAT csv);\n")
        for row in src.execute(f"SELECT {', '.join(cols)} FROM {t}"):
            p.stdin.write(",".join(field(v) for v in row) + "\n")
        p.stdin.write("\\.\n")
    p.stdin.write("""SET session_replication_role = origin;
DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT table_name, column_name FROM information_schema.columns
           WHERE table_schema = 'public' AND is_identity = 'YES' LOOP
    EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, %L), GREATEST((SELECT MAX(%I) FROM %I), 1))',
                   r.table_name, r.column_name, r.column_name, r.table_name);
  END LOOP;
END $$;
ANALYZE;
""")
    p.stdin.close()
    if p.wait() != 0:
        raise SystemExit("copying into PostgreSQL failed")
    src.close()
