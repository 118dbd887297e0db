-- App-only OAuth2 grants for mailboxes and relays: `grant_type` is `authorization_code` (delegated consent, a
-- refresh token), `client_credentials` (Microsoft 365: a client secret, or a certificate's private key signing a
-- client assertion; `key_id` holds the certificate thumbprint) or `jwt_bearer` (a Google service account with
-- domain-wide delegation: `private_key_sealed` signs the assertion, `key_id` is its private_key_id, `subject` the
-- mailbox it acts as).
ALTER TABLE oauth_credentials ADD COLUMN grant_type TEXT NOT NULL DEFAULT 'authorization_code';
ALTER TABLE oauth_credentials ADD COLUMN private_key_sealed TEXT;
ALTER TABLE oauth_credentials ADD COLUMN key_id TEXT;
ALTER TABLE oauth_credentials ADD COLUMN subject TEXT;

-- Identity providers for signing in to the console (OIDC authorization code + PKCE) and for the add-in's bearer
-- tokens (`audiences`: the app id URIs or client ids its access tokens are for; empty: not accepted). Endpoints are
-- resolved from the discovery document when the provider is saved. `jit`: unknown users are created with
-- `default_role`; `trust_email`: an e-mail without an `email_verified` claim counts as verified.
CREATE TABLE oidc_providers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    discovery_url TEXT NOT NULL,
    issuer TEXT NOT NULL,
    authorization_endpoint TEXT NOT NULL,
    token_endpoint TEXT NOT NULL,
    jwks_uri TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret_sealed TEXT,
    scopes TEXT NOT NULL,
    jit INTEGER NOT NULL DEFAULT 0 CHECK (jit IN (0, 1)),
    default_role TEXT NOT NULL CHECK (default_role IN ('admin', 'sales', 'marketing')),
    trust_email INTEGER NOT NULL DEFAULT 0 CHECK (trust_email IN (0, 1)),
    audiences TEXT NOT NULL DEFAULT '[]',
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- A sign-in in progress: the hash of its `state`, its nonce and PKCE verifier (sealed), single-use, expiring.
CREATE TABLE oidc_logins (
    state_hash TEXT PRIMARY KEY,
    provider_id INTEGER NOT NULL REFERENCES oidc_providers (id) ON DELETE CASCADE,
    nonce TEXT NOT NULL,
    verifier_sealed TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
