-- Access v2: teams with leads; mailboxes personal (one owner) or shared (members) with a visibility policy for
-- everyone else who may see a record the mail is linked to; threads a member marked private; mail users logged.

CREATE TABLE teams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- is_lead = 1: a team lead sees and edits everything the team's members own.
CREATE TABLE team_members (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    is_lead INTEGER NOT NULL DEFAULT 0 CHECK (is_lead IN (0, 1)),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id, is_lead);

-- Existing mailboxes stay shared with full visibility: what everyone who saw a linked record saw before.
ALTER TABLE mailboxes ADD COLUMN kind TEXT NOT NULL DEFAULT 'shared' CHECK (kind IN ('personal', 'shared'));
ALTER TABLE mailboxes ADD COLUMN owner_id INTEGER REFERENCES users (id);
ALTER TABLE mailboxes ADD COLUMN visibility TEXT NOT NULL DEFAULT 'full'
    CHECK (visibility IN ('private', 'metadata', 'subject', 'full'));

CREATE TABLE mailbox_members (
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (mailbox_id, user_id)
);
CREATE INDEX mailbox_members_user ON mailbox_members (user_id);

CREATE TABLE private_threads (
    thread_id INTEGER PRIMARY KEY REFERENCES threads (id),
    marked_by INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL
);

-- Mail a user logged from their own mail client (the Outlook pane): theirs, in full.
CREATE TABLE message_loggers (
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (message_id, user_id)
);
CREATE INDEX message_loggers_user ON message_loggers (user_id, message_id);
