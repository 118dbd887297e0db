#!/usr/bin/env python3
"""Export memory and time (issue 16): `mailroom export` of 100 000 and then 1 000 000 contacts to CSV and .xlsx.

Seeds a fresh SQLite database (made by `mailroom serve`) with contacts, their e-mails, companies (one per ten
contacts) and a custom field with a value on every contact, then runs the CLI export of all contacts as the admin
once per format and size, and prints wall time, rows/s, peak RSS of the export process (wait4's ru_maxrss) and the
file's size. Flat memory: peak RSS about the same at 1 M rows as at 100 k.
Usage: scripts/bench-export.py BIN [SIZES]   (SIZES comma-separated, default 100000,1000000; run by bench-export.sh)"""
import os, sqlite3, subprocess, sys, tempfile, time

binary = sys.argv[1]
sizes = [int(s) for s in (sys.argv[2] if len(sys.argv) > 2 else "100000,1000000").split(",")]
data = tempfile.mkdtemp(prefix="mailroom-export-")
env = dict(os.environ, MAILROOM_DATA_DIR=data, MAILROOM_ADMIN_EMAIL="admin@bench.local",
           MAILROOM_ADMIN_PASSWORD="bench-password", MAILROOM_LISTEN="127.0.0.1:0", MAILROOM_LOG="warn",
           MAILROOM_IMAP_WORKERS="false", MAILROOM_SEND_WORKER="false")

# `serve` makes the database (migrations, the admin); everything else is seeded straight into it.
p = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.PIPE, text=True)
if not any(line.startswith("Mailroom listening on ") for line in p.stdout):
    raise SystemExit("server did not start")
p.terminate(); p.wait()

db = sqlite3.connect(os.path.join(data, "mailroom.db"))
db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=OFF")
now = int(time.time() * 1000)
inn = db.execute("INSERT INTO custom_fields (record_kind, field_key, label, field_type, created_at) "
                 "VALUES ('contact', 'inn', 'ИНН', 'text', ?) RETURNING id", (now,)).fetchone()[0]
seeded = 0

def seed(upto):
    """Contacts seeded+1 .. upto, with companies (one per ten), e-mails and an ИНН each."""
    global seeded
    lo, hi = seeded + 1, upto
    db.executemany("INSERT INTO companies (id, name, name_norm, owner_id, tags, search, created_at, updated_at) VALUES (?,?,?,1,'',?,?,?)",
                   ((i, f"Компания {i}", f"компания {i}", f"компания {i} co{i}.ru", now, now) for i in range(lo // 10 + 1, hi // 10 + 1)))
    db.executemany("INSERT INTO company_domains (company_id, domain) VALUES (?,?)", ((i, f"co{i}.ru") for i in range(lo // 10 + 1, hi // 10 + 1)))
    db.executemany("INSERT INTO contacts (id, name, position, company_id, owner_id, tags, search, created_at, updated_at) VALUES (?,?,?,?,1,'вип',?,?,?)",
                   ((i, f"Контакт Номер {i}", "Менеджер", max(i // 10, 1), f"контакт номер {i} c{i}@co{max(i // 10, 1)}.ru", now, now) for i in range(lo, hi + 1)))
    db.executemany("INSERT INTO contact_emails (contact_id, email, is_primary) VALUES (?,?,1)",
                   ((i, f"c{i}@co{max(i // 10, 1)}.ru") for i in range(lo, hi + 1)))
    db.executemany("INSERT INTO custom_values (field_id, record_kind, record_id, value_text, value_num) VALUES (?,'contact',?,?,NULL)",
                   ((inn, i, f"77{i:08d}") for i in range(lo, hi + 1)))
    db.commit()
    seeded = hi

def export(fmt, rows):
    out = os.path.join(data, f"contacts-{rows}.{fmt}")
    t0 = time.time()
    child = subprocess.Popen([binary, "export", "--kind", "contacts", "--format", fmt, "-o", out], env=env,
                             stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    took = time.time() - t0
    if status != 0:
        raise SystemExit(f"export {fmt} of {rows} failed: {status}")
    size = os.path.getsize(out)
    if fmt == "csv":
        with open(out, "rb") as f:
            lines = sum(1 for _ in f)
        assert lines == rows + 1, (lines, rows)
    os.remove(out)
    # ru_maxrss is in KiB on Linux.
    print(f"{fmt:>4} {rows:>9} rows  {took:7.1f} s  {rows / took:8.0f} rows/s  peak RSS {usage.ru_maxrss / 1024:7.1f} MiB"
          f"  file {size / 2**20:7.1f} MiB", flush=True)

for n in sizes:
    t0 = time.time()
    seed(n)
    print(f"seeded {n} contacts in {time.time() - t0:.0f} s", flush=True)
    for fmt in ("csv", "xlsx"):
        export(fmt, n)
