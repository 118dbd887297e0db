-- Keys of the campaign sender kept in the database, so that every process sharing it (server, CLI sender, mail
-- ingest) signs and verifies the same way: `verp` signs the VERP Return-Path of campaign letters. Hex, random.
CREATE TABLE campaign_keys (
    purpose TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- Deleted templates and segments are kept (hidden) while finished campaigns still name them; on delete the name
-- gets the id appended so that it is free again.
ALTER TABLE mail_templates ADD COLUMN deleted_at INTEGER;
ALTER TABLE segments ADD COLUMN deleted_at INTEGER;

-- The sender pages through pending letters by id and claims them by id: an index in that order, so that neither
-- reads every pending letter of the campaign each time (next_attempt_at is checked on the rows found).
DROP INDEX campaign_recipients_state;
CREATE INDEX campaign_recipients_queue ON campaign_recipients (campaign_id, state, id);
-- Progress counts the letters of the last minute (and a restart those of the last hour) without reading the rest.
CREATE INDEX campaign_recipients_sent ON campaign_recipients (campaign_id, sent_at);
