-- Classification of messages, links to CRM records (automatic or set by hand), domain lists, bounces.
ALTER TABLE messages ADD COLUMN class TEXT NOT NULL DEFAULT 'human';
ALTER TABLE messages ADD COLUMN class_reason TEXT;
ALTER TABLE messages ADD COLUMN class_manual BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN direction TEXT NOT NULL DEFAULT 'incoming';
ALTER TABLE messages ADD COLUMN mailbox_id BIGINT;
ALTER TABLE message_addresses ADD COLUMN domain TEXT;
CREATE INDEX message_addresses_domain ON message_addresses (domain, message_id);
ALTER TABLE mailboxes ADD COLUMN lead_owner_id BIGINT REFERENCES users (id);
ALTER TABLE mailboxes ADD COLUMN leads_from_outgoing BIGINT NOT NULL DEFAULT 0;

-- source: auto or manual; a manual removal stays as removed = 1 so that no later automatic run brings it back.
CREATE TABLE message_links (
    message_id BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    record_kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    source TEXT NOT NULL,
    removed BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (message_id, record_kind, record_id)
);
CREATE INDEX message_links_record ON message_links (record_kind, record_id, removed);

CREATE TABLE own_domains (domain TEXT PRIMARY KEY);
CREATE TABLE freemail_domains (domain TEXT PRIMARY KEY);
CREATE TABLE never_log (entry TEXT PRIMARY KEY);

-- Bounces (table of 0003) also name the DSN message that reported them and the letter it bounced.
ALTER TABLE bounces ADD COLUMN message_id BIGINT;
ALTER TABLE bounces ADD COLUMN original_message_id TEXT;

-- One automatic lead per address, even when two ingests see a new sender at once.
CREATE TABLE lead_claims (
    email TEXT PRIMARY KEY,
    lead_id BIGINT NOT NULL
);
