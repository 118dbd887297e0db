-- OAuth2 sign-in of mailboxes (SASL XOAUTH2 / OAUTHBEARER): the provider's settings, and the client secret,
-- refresh token and current access token sealed with the server's secret key. `state` is `authorization_needed`
-- (no refresh token yet), `authorized`, or `reauthorization_needed` (the provider refused the refresh token:
-- `error` holds its text, and nothing retries until an admin authorizes again).
CREATE TABLE oauth_credentials (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    provider TEXT NOT NULL,
    authorization_endpoint TEXT,
    token_endpoint TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret_sealed TEXT,
    scopes TEXT NOT NULL,
    refresh_token_sealed TEXT,
    access_token_sealed TEXT,
    access_expires_at INTEGER,
    refreshing_until INTEGER,
    state TEXT NOT NULL,
    error TEXT,
    authorized_at INTEGER,
    updated_at INTEGER NOT NULL
);

ALTER TABLE mailboxes ADD COLUMN auth TEXT NOT NULL DEFAULT 'password';
ALTER TABLE mailboxes ADD COLUMN oauth_id INTEGER REFERENCES oauth_credentials (id);

-- A consent in progress: the hash of its `state`, bound to the admin who started it, single-use, expiring.
CREATE TABLE oauth_consents (
    state_hash TEXT PRIMARY KEY,
    credential_id INTEGER NOT NULL REFERENCES oauth_credentials (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    verifier_sealed TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);

-- A relay that signs in with SASL XOAUTH2 (its URL names the user and no password).
ALTER TABLE smtp_relays ADD COLUMN oauth_id INTEGER REFERENCES oauth_credentials (id);
