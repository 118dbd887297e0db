-- Mailboxes synced over IMAP and the messages they hold. Raw bytes are kept once per content hash.

CREATE TABLE mailboxes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    host TEXT NOT NULL,
    port INTEGER NOT NULL,
    security TEXT NOT NULL CHECK (security IN ('tls', 'starttls', 'plain')),
    username TEXT NOT NULL,
    -- base64(nonce || XChaCha20-Poly1305 ciphertext) of the password
    password_enc TEXT NOT NULL,
    -- JSON array of folder names; empty: Inbox and Sent found by SPECIAL-USE
    folders TEXT NOT NULL DEFAULT '[]',
    enabled INTEGER NOT NULL DEFAULT 1,
    last_sync_at INTEGER,
    last_error TEXT,
    last_error_code TEXT,
    messages_synced INTEGER NOT NULL DEFAULT 0,
    -- which server instance syncs it, until when (several instances may share the database)
    lease_holder TEXT,
    lease_until INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE mail_folders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- inbox, sent, archive… from SPECIAL-USE, or other
    role TEXT NOT NULL DEFAULT 'other',
    uidvalidity INTEGER,
    last_uid INTEGER NOT NULL DEFAULT 0,
    highest_modseq INTEGER,
    last_sync_at INTEGER,
    UNIQUE (mailbox_id, name)
);

CREATE TABLE raw_messages (
    hash TEXT PRIMARY KEY,
    bytes BLOB NOT NULL
);

CREATE TABLE threads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_norm TEXT NOT NULL,
    last_at INTEGER NOT NULL
);
CREATE INDEX threads_subject ON threads (subject_norm, last_at);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hash TEXT NOT NULL UNIQUE REFERENCES raw_messages (hash),
    message_id TEXT,
    in_reply_to TEXT,
    subject TEXT,
    from_address TEXT,
    from_name TEXT,
    sent_at INTEGER,
    received_at INTEGER NOT NULL,
    size INTEGER NOT NULL,
    text_body TEXT,
    html_body TEXT,
    has_attachments INTEGER NOT NULL DEFAULT 0,
    parse_error TEXT,
    thread_id INTEGER REFERENCES threads (id),
    created_at INTEGER NOT NULL
);
CREATE INDEX messages_message_id ON messages (message_id);
CREATE INDEX messages_thread ON messages (thread_id, sent_at);
CREATE INDEX messages_sent ON messages (sent_at, id);

-- Every place a message was seen: the same message in two folders or mailboxes is stored once.
CREATE TABLE message_locations (
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    folder_id INTEGER NOT NULL REFERENCES mail_folders (id) ON DELETE CASCADE,
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    PRIMARY KEY (folder_id, uidvalidity, uid)
);
CREATE INDEX message_locations_message ON message_locations (message_id);

CREATE TABLE message_addresses (
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    address TEXT NOT NULL,
    name TEXT,
    position INTEGER NOT NULL,
    PRIMARY KEY (message_id, role, position)
);
CREATE INDEX message_addresses_address ON message_addresses (address, message_id);

CREATE TABLE attachments (
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    part_index INTEGER NOT NULL,
    filename TEXT,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (message_id, position)
);

-- Message-IDs (own, References, In-Reply-To) → thread, so that a reply seen before its original joins the same thread.
CREATE TABLE thread_keys (
    key TEXT PRIMARY KEY,
    thread_id INTEGER NOT NULL REFERENCES threads (id)
);
