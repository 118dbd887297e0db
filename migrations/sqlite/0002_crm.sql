-- CRM core: reference lists, companies, contacts, leads, deals, notes, tasks, shares, audit.
-- Times are UTC milliseconds; flags 0/1; `search` columns hold lower-cased text (SQLite's LOWER is ASCII-only).

CREATE TABLE pipelines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    position INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE TABLE stages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline_id INTEGER NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    probability INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 100),
    kind TEXT NOT NULL CHECK (kind IN ('open', 'won', 'lost')),
    UNIQUE (pipeline_id, name)
);
CREATE TABLE lead_sources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE contact_types (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE companies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    name_norm TEXT NOT NULL,
    parent_id INTEGER REFERENCES companies (id) ON DELETE SET NULL,
    owner_id INTEGER REFERENCES users (id),
    tags TEXT NOT NULL DEFAULT '',
    search TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX companies_name_norm ON companies (name_norm);
CREATE INDEX companies_owner ON companies (owner_id, id);
CREATE INDEX companies_parent ON companies (parent_id);
CREATE TABLE company_domains (
    company_id INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    domain TEXT NOT NULL,
    PRIMARY KEY (company_id, domain)
);
CREATE INDEX company_domains_domain ON company_domains (domain);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    position TEXT,
    company_id INTEGER REFERENCES companies (id) ON DELETE SET NULL,
    owner_id INTEGER REFERENCES users (id),
    type_id INTEGER REFERENCES contact_types (id),
    tags TEXT NOT NULL DEFAULT '',
    search TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX contacts_owner ON contacts (owner_id, id);
CREATE INDEX contacts_company ON contacts (company_id);
CREATE TABLE contact_emails (
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    is_primary INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (contact_id, email)
);
CREATE INDEX contact_emails_email ON contact_emails (email);
CREATE TABLE contact_phones (
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    phone TEXT NOT NULL,
    phone_norm TEXT NOT NULL,
    PRIMARY KEY (contact_id, phone_norm)
);
CREATE INDEX contact_phones_norm ON contact_phones (phone_norm);
CREATE TABLE consent_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    granted INTEGER NOT NULL,
    legal_basis TEXT NOT NULL,
    source TEXT NOT NULL,
    recorded_by INTEGER REFERENCES users (id),
    at INTEGER NOT NULL
);
CREATE INDEX consent_events_contact ON consent_events (contact_id, id);

CREATE TABLE leads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    phone_norm TEXT,
    company_name TEXT,
    domain_hint TEXT,
    source_id INTEGER REFERENCES lead_sources (id),
    status TEXT NOT NULL CHECK (status IN ('new', 'in_work', 'converted', 'lost')),
    lost_reason TEXT,
    owner_id INTEGER REFERENCES users (id),
    company_id INTEGER REFERENCES companies (id) ON DELETE SET NULL,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    deal_id INTEGER,
    search TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX leads_owner ON leads (owner_id, id);
CREATE INDEX leads_email ON leads (email);
CREATE INDEX leads_phone ON leads (phone_norm);

CREATE TABLE deals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    amount_minor INTEGER,
    currency TEXT NOT NULL,
    pipeline_id INTEGER NOT NULL REFERENCES pipelines (id),
    stage_id INTEGER NOT NULL REFERENCES stages (id),
    contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    company_id INTEGER REFERENCES companies (id) ON DELETE SET NULL,
    owner_id INTEGER REFERENCES users (id),
    expected_close TEXT,
    lost_reason TEXT,
    closed_at INTEGER,
    search TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX deals_owner ON deals (owner_id, id);
CREATE INDEX deals_contact ON deals (contact_id);
CREATE INDEX deals_company ON deals (company_id);
CREATE INDEX deals_stage ON deals (stage_id);
CREATE TABLE stage_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    deal_id INTEGER NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
    from_stage_id INTEGER,
    to_stage_id INTEGER NOT NULL,
    changed_by INTEGER REFERENCES users (id),
    at INTEGER NOT NULL
);
CREATE INDEX stage_changes_deal ON stage_changes (deal_id);

-- Notes and tasks hang on any record: record_kind is contact, company, lead or deal.
CREATE TABLE notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    record_kind TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    body TEXT NOT NULL,
    author_id INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX notes_record ON notes (record_kind, record_id);
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    due_at INTEGER,
    remind_at INTEGER,
    assignee_id INTEGER REFERENCES users (id),
    record_kind TEXT,
    record_id INTEGER,
    done INTEGER NOT NULL DEFAULT 0,
    done_at INTEGER,
    created_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX tasks_record ON tasks (record_kind, record_id);
CREATE INDEX tasks_assignee ON tasks (assignee_id, done, due_at);

CREATE TABLE shares (
    record_kind TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (record_kind, record_id, user_id)
);
CREATE INDEX shares_user ON shares (user_id, record_kind);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor_id INTEGER REFERENCES users (id),
    action TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    changes TEXT NOT NULL
);
CREATE INDEX audit_log_record ON audit_log (record_kind, record_id, id);

INSERT INTO lead_sources (name) VALUES ('e-mail'), ('website'), ('phone'), ('referral'), ('exhibition');
INSERT INTO contact_types (name) VALUES ('client'), ('partner'), ('supplier');
INSERT INTO pipelines (name, position, created_at) VALUES ('Sales', 0, 0);
INSERT INTO stages (pipeline_id, name, position, probability, kind)
SELECT id, 'Qualification', 0, 10, 'open' FROM pipelines WHERE name = 'Sales'
UNION ALL SELECT id, 'Proposal', 1, 40, 'open' FROM pipelines WHERE name = 'Sales'
UNION ALL SELECT id, 'Negotiation', 2, 70, 'open' FROM pipelines WHERE name = 'Sales'
UNION ALL SELECT id, 'Won', 3, 100, 'won' FROM pipelines WHERE name = 'Sales'
UNION ALL SELECT id, 'Lost', 4, 0, 'lost' FROM pipelines WHERE name = 'Sales';
