-- Full-text search (issue 19, item 1). Three contentless FTS5 tables over text already stemmed in Rust
-- (src/search/stem.rs: Snowball Russian for Cyrillic words, English for Latin ones), so unicode61 only splits it.
-- Keys: a message's and a note's id; a record's id * 4 + its kind (contact 0, company 1, lead 2, deal 3).
-- Mail is indexed by a worker after a shared cursor (nothing is added to ingest); records and notes are queued by
-- triggers into `search_dirty`; a deleted message leaves the index by a delete trigger.
CREATE VIRTUAL TABLE search_mail USING fts5(subject, body, people, files,
    content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE search_notes USING fts5(body,
    content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE search_records USING fts5(title, body,
    content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0');

CREATE TABLE search_cursor (id INTEGER PRIMARY KEY, last_message_id INTEGER NOT NULL);
INSERT INTO search_cursor (id, last_message_id) VALUES (1, 0);

-- Records and notes to (re)index: kind is contact, company, lead, deal or note. Rows may repeat; the indexer
-- deletes the rows it read, so a change made while it works stays queued.
CREATE TABLE search_dirty (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    doc_id INTEGER NOT NULL
);
INSERT INTO search_dirty (kind, doc_id) SELECT 'contact', id FROM contacts;
INSERT INTO search_dirty (kind, doc_id) SELECT 'company', id FROM companies;
INSERT INTO search_dirty (kind, doc_id) SELECT 'lead', id FROM leads;
INSERT INTO search_dirty (kind, doc_id) SELECT 'deal', id FROM deals;
INSERT INTO search_dirty (kind, doc_id) SELECT 'note', id FROM notes;

CREATE TRIGGER search_contact_add AFTER INSERT ON contacts BEGIN INSERT INTO search_dirty (kind, doc_id) VALUES ('contact', NEW.id); END;
CREATE TRIGGER search_contact_change AFTER UPDATE ON contacts BEGIN INSERT INTO search_dirty (kind, doc_id) VALUES ('contact', NEW.id); END;
CREATE TRIGGER search_contact_drop AFTER DELETE ON contacts BEGIN INSERT INTO search_dirty (kind, doc_id) VALUES ('contact', OLD.id); END;
CREATE TRIGGER search_company_add AFTER INSERT ON companies BEGIN INSERT INTO search_dirty (kind, doc_id) VALUES ('company', NEW.id); END;
CREATE TRIGGER search_company_change AFTER UPDATE ON companies BEGIN INSERT INTO search_dirty (kind, doc_id) VALUES ('company', NEW.id); END;
CREATE TRIGGER search_company_drop AFTER DELETE ON companies BEGIN INSERT INTO search_dirty (kind, doc_id) VALUES ('company', OLD.id); END;
CREATE TRIGGER search_lead_add AFTER INSERT ON leads BEGIN INSERT INTO search_dirty (kind, doc_id) VALUES ('lead', NEW.id); END;
CREATE TRIGGER search_lead_change AFTER UPDATE ON leads BEGIN INSERT INTO search_dirty (kind, doc_id) VALUES ('lead', NEW.id); END;
CREATE TRIGGER search_lead_drop AFTER DELETE ON leads BEGIN INSERT INTO search_dirty (kind, doc_id) VALUES ('lead', OLD.id); END;
CREATE TRIGGER search_deal_add AFTER INSERT ON deals BEGIN INSERT INTO search_dirty (kind, doc_id) VALUES ('deal', NEW.id); END;
CREATE TRIGGER search_deal_change AFTER UPDATE ON deals BEGIN INSERT INTO search_dirty (kind, doc_id) VALUES ('deal', NEW.id); END;
CREATE TRIGGER search_deal_drop AFTER DELETE ON deals BEGIN INSERT INTO search_dirty (kind, doc_id) VALUES ('deal', OLD.id); END;
CREATE TRIGGER search_note_add AFTER INSERT ON notes BEGIN INSERT INTO search_dirty (kind, doc_id) VALUES ('note', NEW.id); END;
CREATE TRIGGER search_note_change AFTER UPDATE ON notes BEGIN INSERT INTO search_dirty (kind, doc_id) VALUES ('note', NEW.id); END;
CREATE TRIGGER search_note_drop AFTER DELETE ON notes BEGIN INSERT INTO search_dirty (kind, doc_id) VALUES ('note', OLD.id); END;
-- Custom text values (INN and the like) are part of their record's text.
CREATE TRIGGER search_custom_add AFTER INSERT ON custom_values BEGIN INSERT INTO search_dirty (kind, doc_id) VALUES (NEW.record_kind, NEW.record_id); END;
CREATE TRIGGER search_custom_change AFTER UPDATE ON custom_values BEGIN INSERT INTO search_dirty (kind, doc_id) VALUES (NEW.record_kind, NEW.record_id); END;
CREATE TRIGGER search_custom_drop AFTER DELETE ON custom_values BEGIN INSERT INTO search_dirty (kind, doc_id) VALUES (OLD.record_kind, OLD.record_id); END;

CREATE TRIGGER search_message_drop AFTER DELETE ON messages BEGIN DELETE FROM search_mail WHERE rowid = OLD.id; END;
