-- SMTP relays: the servers an admin configured, which campaigns and test sends pick by name (marketing can no
-- longer point the server at any host). The URL, credentials included, is sealed with the server's secret key
-- (base64 of nonce + XChaCha20-Poly1305 ciphertext); a deleted relay is hidden, its URL wiped and its name freed.
CREATE TABLE smtp_relays (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    url_sealed TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
);

-- NULL: the built-in relay `default` (MAILROOM_SMTP_URL). Campaigns that named their own smtp_url before relays
-- existed get a relay of their own at the next start, and their smtp_url is cleared.
ALTER TABLE campaigns ADD COLUMN relay_id INTEGER REFERENCES smtp_relays (id);
