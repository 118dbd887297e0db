-- Client addresses each account has signed in from. While an account is locked by failed logins, its owner may
-- still try from these (under the per-address limit).
CREATE TABLE login_known_addrs (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_addr TEXT NOT NULL,
    last_login_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, client_addr)
);
