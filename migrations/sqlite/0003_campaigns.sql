-- Mail-merge campaigns: templates, saved segments, campaigns with one row per recipient (the send state machine),
-- the suppression list and recorded bounces. Times are UTC milliseconds; flags 0/1.

-- The manager's phone, for signatures in campaign letters.
ALTER TABLE users ADD COLUMN phone TEXT;

CREATE TABLE mail_templates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL,
    html TEXT NOT NULL,
    text TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE segments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    filter TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    template_id INTEGER NOT NULL REFERENCES mail_templates (id),
    segment_id INTEGER NOT NULL REFERENCES segments (id),
    marketing INTEGER NOT NULL DEFAULT 1,
    from_address TEXT NOT NULL,
    smtp_url TEXT,
    per_second INTEGER,
    per_hour INTEGER,
    concurrency INTEGER NOT NULL DEFAULT 2,
    max_failures_in_row INTEGER NOT NULL DEFAULT 10,
    failures_in_row INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL CHECK (status IN ('draft', 'sending', 'paused', 'cancelled', 'done')),
    pause_reason TEXT,
    created_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER
);

-- One letter per address. state: pending -> claimed -> sent | failed | unknown; pending -> skipped (suppressed).
CREATE TABLE campaign_recipients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL,
    address TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'claimed', 'sent', 'failed', 'unknown', 'skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    claimed_at INTEGER,
    claimed_by TEXT,
    sent_at INTEGER,
    error TEXT,
    UNIQUE (campaign_id, address)
);
CREATE INDEX campaign_recipients_state ON campaign_recipients (campaign_id, state, next_attempt_at);
CREATE INDEX campaign_recipients_claimer ON campaign_recipients (state, claimed_by);

-- Send workers (server or CLI processes) and their heartbeats: claims of a worker that stopped beating are orphans.
CREATE TABLE send_workers (
    id TEXT PRIMARY KEY,
    heartbeat_at INTEGER NOT NULL
);

-- Addresses never mailed by campaigns. reason: unsubscribed, hard_bounce, soft_bounce, manual.
CREATE TABLE suppressions (
    address TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    campaign_id INTEGER,
    recipient_id INTEGER,
    detail TEXT NOT NULL DEFAULT '',
    at INTEGER NOT NULL
);

CREATE TABLE bounces (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    address TEXT NOT NULL,
    hard INTEGER NOT NULL,
    status TEXT NOT NULL,
    diagnostic TEXT NOT NULL,
    campaign_id INTEGER,
    recipient_id INTEGER,
    at INTEGER NOT NULL
);
CREATE INDEX bounces_address ON bounces (address, hard);
CREATE INDEX bounces_campaign ON bounces (campaign_id);
