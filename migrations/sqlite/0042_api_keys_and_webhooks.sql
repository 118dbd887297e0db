-- Integrations (issue 20.3): API keys and signed webhooks.
-- An API key acts as its own service user (`user_id`), so ownership and audit work as for people. Only the
-- SHA-256 of the secret is kept; `prefix` is what lists show. `actions` is a JSON array of `group:read|write`.
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'sales', 'marketing')),
    actions TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER,
    last_used_at INTEGER
);

-- A webhook endpoint: its signing secret sealed with the server's secret key (it is needed to sign, so it is
-- encrypted, not hashed). `events` is a JSON array of event types.
CREATE TABLE webhook_endpoints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret_sealed TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    disabled_at INTEGER,
    created_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL
);

-- How far the dispatchers have read each source of events (`audit`: audit_log.id, `messages`: messages.id,
-- `campaigns`: campaigns.finished_at), shared by every instance.
CREATE TABLE webhook_cursors (
    source TEXT PRIMARY KEY,
    position INTEGER NOT NULL
);

-- The outbox: one delivery per (endpoint, event), so two instances producing the same event insert it once.
-- status: pending -> delivered | failed (given up after the attempt limit). A sender claims a row (claimed_until)
-- before it sends.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_by TEXT,
    claimed_until INTEGER NOT NULL DEFAULT 0,
    response_code INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
