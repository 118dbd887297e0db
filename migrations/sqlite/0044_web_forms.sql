-- Web forms (issue 20.2): a public endpoint per form creates leads with consent; each submission is logged.
CREATE TABLE web_forms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    -- The unguessable part of the public URL /f/{public_key}.
    public_key TEXT NOT NULL UNIQUE,
    -- JSON [{"key","required","label"}]: which lead fields the form carries.
    fields TEXT NOT NULL,
    consent_text TEXT NOT NULL,
    -- Bumped whenever consent_text changes; each consent keeps the version and text it was given under.
    consent_version INTEGER NOT NULL,
    -- Assignment: owner_id set (one owner), team_id set (round-robin), neither (the open pool).
    owner_id INTEGER REFERENCES users (id),
    team_id INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    -- The round-robin cursor: the member who got the last lead, advanced in the lead's transaction.
    last_assigned_id INTEGER,
    turns INTEGER NOT NULL DEFAULT 0,
    source_id INTEGER REFERENCES lead_sources (id) ON DELETE SET NULL,
    redirect_url TEXT,
    -- JSON array of origins (scheme://host[:port]) allowed to post and to read the answer.
    allowed_origins TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    -- The service user the form acts as: the actor of the leads it creates.
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE web_form_submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    form_id INTEGER NOT NULL REFERENCES web_forms (id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    client_addr TEXT NOT NULL,
    -- created, duplicate, honeypot, rejected
    outcome TEXT NOT NULL,
    record_kind TEXT,
    record_id INTEGER,
    detail TEXT,
    page TEXT
);
CREATE INDEX web_form_submissions_form ON web_form_submissions (form_id, id);
CREATE INDEX web_form_submissions_addr ON web_form_submissions (client_addr, at);

-- Consent may now be given on a lead (a web form) and carries the words agreed to, their version, the client
-- address and the page. SQLite cannot drop NOT NULL in place: the table is rebuilt with the same ids.
CREATE TABLE consent_events_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE CASCADE,
    lead_id INTEGER REFERENCES leads (id) ON DELETE CASCADE,
    granted INTEGER NOT NULL,
    legal_basis TEXT NOT NULL,
    source TEXT NOT NULL,
    recorded_by INTEGER REFERENCES users (id),
    at INTEGER NOT NULL,
    text_version INTEGER,
    consent_text TEXT,
    client_addr TEXT,
    page TEXT
);
INSERT INTO consent_events_new (id, contact_id, granted, legal_basis, source, recorded_by, at)
    SELECT id, contact_id, granted, legal_basis, source, recorded_by, at FROM consent_events;
DROP TABLE consent_events;
ALTER TABLE consent_events_new RENAME TO consent_events;
CREATE INDEX consent_events_contact ON consent_events (contact_id, id);
CREATE INDEX consent_events_lead ON consent_events (lead_id, id);
