-- Issue 17, items 1–2.
--
-- 1. Reminder and digest letters, never sent twice: one row per letter, claimed before it is sent. Its unique key
-- (`reminder:<notification id>`, `digest:<user id>:<local date>`) lets one instance claim it, with who and when,
-- in the statement that checks it is still due; then sent | failed | uncertain (the relay may have taken it), or
-- empty (a digest with nothing in it). A claim older than the lease that was never settled belongs to an instance
-- that died mid-send: it becomes `uncertain` and is never sent again. A reminder that the relay did not take
-- (no connection, 4xx) has its claim dropped and is tried again later (notifications.mail_next_at).
CREATE TABLE reminder_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    letter_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('reminder', 'digest')),
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    notification_id INTEGER REFERENCES notifications (id) ON DELETE CASCADE,
    local_date TEXT,
    state TEXT NOT NULL CHECK (state IN ('claimed', 'sent', 'failed', 'uncertain', 'empty')),
    claimed_by TEXT NOT NULL,
    claimed_at INTEGER NOT NULL,
    message_id TEXT,
    error TEXT,
    settled_at INTEGER
);
CREATE INDEX reminder_letters_notification ON reminder_letters (notification_id);
CREATE INDEX reminder_letters_claimed ON reminder_letters (claimed_at) WHERE state = 'claimed';

-- The digests table claimed a day without recording the letter; its days stay taken (whether each went is unknown).
INSERT INTO reminder_letters (letter_key, kind, user_id, local_date, state, claimed_by, claimed_at, settled_at)
SELECT 'digest:' || user_id || ':' || local_date, 'digest', user_id, local_date, 'sent', 'before 0034', created_at,
       created_at
FROM digests;
DROP TABLE digests;

-- 2. Mail linked to a contact or lead only later (a record created after its mail, a link by hand, a lead converted,
-- a class corrected by hand, a link removed): the message is queued here, whatever made the change (API, import,
-- merge, ingest), and the awaiting-reply tracker decides its thread again. Only once the tracker has started (its
-- cursor exists): before that it reads every message anyway. No foreign key: a message deleted meanwhile is skipped.
CREATE TABLE awaiting_rechecks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id INTEGER NOT NULL
);

CREATE TRIGGER awaiting_rechecks_link_added AFTER INSERT ON message_links
WHEN NEW.record_kind IN ('contact', 'lead') AND EXISTS (SELECT 1 FROM awaiting_cursor) BEGIN
    INSERT INTO awaiting_rechecks (message_id) VALUES (NEW.message_id);
END;
CREATE TRIGGER awaiting_rechecks_link_changed AFTER UPDATE OF removed, record_kind, record_id ON message_links
WHEN (NEW.record_kind IN ('contact', 'lead') OR OLD.record_kind IN ('contact', 'lead'))
     AND EXISTS (SELECT 1 FROM awaiting_cursor) BEGIN
    INSERT INTO awaiting_rechecks (message_id) VALUES (NEW.message_id);
END;
CREATE TRIGGER awaiting_rechecks_link_dropped AFTER DELETE ON message_links
WHEN OLD.record_kind IN ('contact', 'lead') AND EXISTS (SELECT 1 FROM awaiting_cursor) BEGIN
    INSERT INTO awaiting_rechecks (message_id) VALUES (OLD.message_id);
END;
CREATE TRIGGER awaiting_rechecks_class_changed AFTER UPDATE OF class, direction ON messages
WHEN (OLD.class IS NOT NEW.class OR OLD.direction IS NOT NEW.direction) AND EXISTS (SELECT 1 FROM awaiting_cursor)
BEGIN
    INSERT INTO awaiting_rechecks (message_id) VALUES (NEW.id);
END;
