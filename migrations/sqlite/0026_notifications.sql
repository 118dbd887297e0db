-- The in-app notification feed, and task reminders fired from it: a reminder has fired once its row exists, and
-- the unique (task_id, remind_at) lets one instance only insert it (a snoozed or moved reminder is a new row).
-- The e-mail copy goes out from the row: mail_state pending -> sent | failed, or none (no relay configured);
-- mail_next_at is the lease of the instance sending it, then the next retry.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    task_id INTEGER REFERENCES tasks (id) ON DELETE CASCADE,
    remind_at INTEGER,
    title TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at INTEGER,
    mail_state TEXT NOT NULL CHECK (mail_state IN ('pending', 'sent', 'failed', 'none')),
    mail_attempts INTEGER NOT NULL DEFAULT 0,
    mail_next_at INTEGER NOT NULL DEFAULT 0,
    mail_error TEXT
);
CREATE UNIQUE INDEX notifications_task_reminder ON notifications (task_id, remind_at);
CREATE INDEX notifications_feed ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
CREATE INDEX notifications_mail ON notifications (mail_next_at) WHERE mail_state = 'pending';
CREATE INDEX tasks_reminders ON tasks (remind_at) WHERE done = 0;

-- Which relay reminder letters go through (a relay's name, or `default`); no row or NULL: feed only.
CREATE TABLE reminder_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    relay TEXT
);

-- A user's daily digest of today's and overdue tasks: at `hour` o'clock in their `time_zone` (IANA name). A row of
-- `digests` is the digest of one local day, inserted by the one instance that sends it.
CREATE TABLE digest_settings (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    time_zone TEXT NOT NULL,
    hour INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23)
);
CREATE TABLE digests (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    local_date TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, local_date)
);
