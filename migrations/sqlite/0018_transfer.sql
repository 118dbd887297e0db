-- Imports of contacts, companies, leads and deals from spreadsheets, and the settings of exports.
-- An import keeps its file (to re-read a sheet, to resume after a restart), its options as JSON, its state and
-- counters; `import_rows` says what became of each row (and its content hash, so that the same row is never
-- created twice); `import_records` lists what each row created or changed, with the values before, for undo.
CREATE TABLE imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    filename TEXT NOT NULL,
    format TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL,
    total_rows INTEGER NOT NULL DEFAULT 0,
    rows_done INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    lease_until INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX imports_user ON imports (user_id, id);
CREATE INDEX imports_status ON imports (status);

CREATE TABLE import_files (
    import_id INTEGER PRIMARY KEY REFERENCES imports (id) ON DELETE CASCADE,
    bytes BLOB NOT NULL
);

CREATE TABLE import_rows (
    import_id INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    row_no INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    row_hash TEXT NOT NULL,
    record_id INTEGER,
    reason TEXT,
    PRIMARY KEY (import_id, row_no)
);
CREATE INDEX import_rows_hash ON import_rows (row_hash);

CREATE TABLE import_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    import_id INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    row_no INTEGER NOT NULL,
    record_kind TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    action TEXT NOT NULL,
    prior TEXT
);
CREATE INDEX import_records_import ON import_records (import_id, id);

CREATE TABLE import_presets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    mapping TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id),
    updated_at INTEGER NOT NULL,
    UNIQUE (kind, name)
);

CREATE TABLE transfer_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
