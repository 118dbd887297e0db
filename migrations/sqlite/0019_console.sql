-- The web console (issue 14): a user whose password was set for them (the first admin's start-up password, an
-- admin's reset) must change it before anything else; and saved views of the record lists, per user.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1));

-- A named list view: which records (`kind`), with which filters, sort and columns (`settings`, JSON as the console
-- sends it, checked by the server's ViewSettings type). Names are unique per user and kind.
CREATE TABLE saved_views (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('leads', 'contacts', 'companies', 'deals')),
    name TEXT NOT NULL,
    settings TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (user_id, kind, name)
);
