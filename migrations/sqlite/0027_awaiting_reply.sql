-- Unanswered mail (issue 17, item 2). A reply policy per team (team_id 0: the default for owners in no team), as
-- the JSON the API validated: {hours, days, start, end, time_zone, holidays}.
CREATE TABLE reply_policies (
    team_id INTEGER PRIMARY KEY,
    policy TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- A client's mail (human, from a contact or lead) that waits for a reply from one of our mailboxes in its thread.
-- A thread has at most one open row (answered_at NULL): the earliest client mail since our last reply. The
-- unique keys let several instances track the same threads without double rows.
CREATE TABLE awaiting_replies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id INTEGER NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    message_id INTEGER NOT NULL UNIQUE REFERENCES messages (id) ON DELETE CASCADE,
    record_kind TEXT NOT NULL CHECK (record_kind IN ('contact', 'lead')),
    record_id INTEGER NOT NULL,
    owner_id INTEGER,
    received_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    answered_at INTEGER,
    answer_message_id INTEGER REFERENCES messages (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX awaiting_replies_open_thread ON awaiting_replies (thread_id) WHERE answered_at IS NULL;
CREATE INDEX awaiting_replies_record ON awaiting_replies (record_kind, record_id) WHERE answered_at IS NULL;
CREATE INDEX awaiting_replies_due ON awaiting_replies (due_at) WHERE answered_at IS NULL;

-- How far the tracker has read the messages table (its highest message id), shared by every instance; and one
-- row per thread it has looked at, which it locks while it decides that thread (instances take turns per thread).
CREATE TABLE awaiting_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_message_id INTEGER NOT NULL
);
CREATE TABLE awaiting_threads (
    thread_id INTEGER PRIMARY KEY REFERENCES threads (id) ON DELETE CASCADE,
    checks INTEGER NOT NULL
);
