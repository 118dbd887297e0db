-- Data subject requests (issue 20, item 1): each export and erasure as a tombstone (who, when, why, counts; the
-- person only as a salted hash), the salt, and the erased mail that a later sync must not store again.
CREATE TABLE privacy_salt (id INTEGER PRIMARY KEY, salt TEXT NOT NULL);

CREATE TABLE privacy_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('export', 'erase')),
    requested_by INTEGER REFERENCES users (id),
    at INTEGER NOT NULL,
    reason TEXT,
    -- salted SHA-256 of the sorted addresses and contact ids asked for: a repeated request is recognised
    subject_hash TEXT NOT NULL,
    -- JSON: what was found, deleted, pseudonymized, redacted
    counts TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX privacy_requests_subject ON privacy_requests (subject_hash, id);

-- `hash:<sha256 of the raw bytes>` or `mid:<sha256 of the Message-ID>` of mail deleted by an erasure: ingest skips it.
CREATE TABLE erased_messages (
    key TEXT PRIMARY KEY,
    request_id INTEGER,
    at INTEGER NOT NULL
);
