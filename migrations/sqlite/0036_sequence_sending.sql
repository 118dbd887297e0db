-- The sending side of sequences (issue 18.1, 18.3, 18.4): a sequence's sending options (limits, waiting for an
-- auto-reply's return date, the recipient's time-zone field) as the JSON the API validated; a mailbox's limits as an
-- admin set them over its provider's preset; the ledger of letters claimed per mailbox, the one budget every
-- instance counts against; bounces and auto-replies read back onto letters and enrolments.
ALTER TABLE sequences ADD COLUMN sending TEXT NOT NULL DEFAULT '{}';

-- No row: the preset of the mailbox's SMTP host. A row replaces the preset; a NULL column is no limit.
CREATE TABLE mailbox_send_limits (
    mailbox_id INTEGER PRIMARY KEY REFERENCES mailboxes (id) ON DELETE CASCADE,
    per_minute INTEGER,
    per_hour INTEGER,
    per_day INTEGER,
    updated_at INTEGER NOT NULL
);

-- One row per mailbox that every claim upserts first: it serializes the count-then-claim of instances sharing the
-- database (PostgreSQL holds the row lock to the commit; SQLite's BEGIN IMMEDIATE serializes anyway).
CREATE TABLE mailbox_send_locks (
    mailbox_id INTEGER PRIMARY KEY,
    claims INTEGER NOT NULL DEFAULT 0
);

-- Each letter claimed to go from a mailbox, at the app's clock; rows older than a day are pruned. No foreign key to
-- the letter or sequence: deleting a sequence must not give its mailbox back the budget its letters used.
CREATE TABLE mailbox_sends (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    mailbox_id INTEGER NOT NULL,
    sequence_id INTEGER NOT NULL,
    letter_id INTEGER,
    at INTEGER NOT NULL
);
CREATE INDEX mailbox_sends_mailbox ON mailbox_sends (mailbox_id, at);
CREATE INDEX mailbox_sends_sequence ON mailbox_sends (sequence_id, at);
CREATE INDEX mailbox_sends_letter ON mailbox_sends (letter_id);
-- Every pass prunes the rows no window reaches.
CREATE INDEX mailbox_sends_at ON mailbox_sends (at);

-- How far the sequence passes have read the bounces and the stored mail (a few ids are re-read each pass: ids
-- commit out of order on PostgreSQL; applying one twice is a no-op).
CREATE TABLE sequence_cursors (
    name TEXT PRIMARY KEY,
    last_id INTEGER NOT NULL DEFAULT 0
);

-- The last bounce a DSN reported of a letter (5.x.x hard, 4.x.x soft), by its `bounces` row.
ALTER TABLE sequence_letters ADD COLUMN bounce_id INTEGER;
ALTER TABLE sequence_letters ADD COLUMN bounce_status TEXT;
ALTER TABLE sequence_letters ADD COLUMN bounce_diagnostic TEXT;
CREATE INDEX sequence_letters_message_id ON sequence_letters (message_id);
-- The claim looks up hard bounces of an enrolment's letters by their Message-ID.
CREATE INDEX bounces_original_message ON bounces (original_message_id);
-- The return date an auto-reply named (the next step waits for it with `wait_for_return`), and which reply.
ALTER TABLE sequence_enrolments ADD COLUMN returns_at INTEGER;
ALTER TABLE sequence_enrolments ADD COLUMN auto_reply_id INTEGER;
CREATE INDEX sequence_enrolments_address ON sequence_enrolments (address, state);
