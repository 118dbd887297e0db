-- Custom fields an admin defines per record kind, their values (one row per record and field: the canonical text,
-- and a number for number, money, checkbox and user fields so that they sort and compare as numbers), and the
-- standard fields users expect on contacts and companies, with company types as a reference list.
CREATE TABLE custom_fields (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    record_kind TEXT NOT NULL CHECK (record_kind IN ('contact', 'company', 'lead', 'deal')),
    field_key TEXT NOT NULL,
    label TEXT NOT NULL,
    field_type TEXT NOT NULL,
    required INTEGER NOT NULL DEFAULT 0 CHECK (required IN (0, 1)),
    position INTEGER NOT NULL DEFAULT 0,
    options TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    UNIQUE (record_kind, field_key)
);
CREATE TABLE custom_values (
    field_id INTEGER NOT NULL REFERENCES custom_fields (id) ON DELETE CASCADE,
    record_kind TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    value_text TEXT NOT NULL,
    value_num REAL,
    PRIMARY KEY (field_id, record_id)
);
CREATE INDEX custom_values_record ON custom_values (record_kind, record_id);
CREATE INDEX custom_values_text ON custom_values (field_id, value_text);
CREATE INDEX custom_values_num ON custom_values (field_id, value_num);

CREATE TABLE company_types (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE
);
INSERT INTO company_types (name) VALUES ('client'), ('partner'), ('supplier'), ('competitor');

ALTER TABLE contacts ADD COLUMN address TEXT;
ALTER TABLE contacts ADD COLUMN website TEXT;
ALTER TABLE contacts ADD COLUMN birthday TEXT;
ALTER TABLE companies ADD COLUMN address TEXT;
ALTER TABLE companies ADD COLUMN website TEXT;
ALTER TABLE companies ADD COLUMN industry TEXT;
ALTER TABLE companies ADD COLUMN size TEXT;
ALTER TABLE companies ADD COLUMN type_id INTEGER REFERENCES company_types (id);
CREATE INDEX contacts_updated ON contacts (updated_at, id);
CREATE INDEX companies_updated ON companies (updated_at, id);
