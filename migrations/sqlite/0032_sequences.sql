-- Follow-up sequences (issue 18): steps sent from a salesperson's own mailbox, stopped by the client's reply.
-- Steps and the sending window are the JSON the API validated ({steps: [...]}, {start, end, days, holidays}).
CREATE TABLE sequences (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id INTEGER NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes (id),
    steps TEXT NOT NULL,
    send_window TEXT NOT NULL,
    time_zone TEXT,
    stop_on_company_reply INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX sequences_owner ON sequences (owner_id, id);

-- One contact in one sequence. `after_message_id`: the highest stored message when enrolled; client mail above it
-- is a reply (ids, not clocks: the tests' clock runs ahead of the mail's dates). `next_step` counts from 0.
CREATE TABLE sequence_enrolments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sequence_id INTEGER NOT NULL REFERENCES sequences (id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('active', 'finished', 'stopped')),
    stop_reason TEXT,
    next_step INTEGER NOT NULL DEFAULT 0,
    next_due_at INTEGER,
    after_message_id INTEGER NOT NULL DEFAULT 0,
    enrolled_at INTEGER NOT NULL,
    stopped_at INTEGER,
    UNIQUE (sequence_id, contact_id)
);
CREATE INDEX sequence_enrolments_due ON sequence_enrolments (state, next_due_at);

-- Each step's letter: claimed (by whom, when) before SMTP sees it, then sent | failed | uncertain (the claimer
-- died: never resent). The unique key is what makes a step go once, whatever number of instances.
CREATE TABLE sequence_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    enrolment_id INTEGER NOT NULL REFERENCES sequence_enrolments (id) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('claimed', 'sent', 'failed', 'uncertain')),
    claimed_by TEXT NOT NULL,
    claimed_at INTEGER NOT NULL,
    sent_at INTEGER,
    message_id TEXT NOT NULL,
    subject TEXT,
    filed_in_sent INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    UNIQUE (enrolment_id, step)
);
CREATE INDEX sequence_letters_claimed ON sequence_letters (state, claimed_at);
