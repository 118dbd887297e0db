-- Personal mail merge and attachments of sequence steps (issue 18, items 2, 5 and 6).
-- A mail merge is a sequence of kind 'merge' with one step.
ALTER TABLE sequences ADD COLUMN kind TEXT NOT NULL DEFAULT 'sequence';

-- An attachment's bytes, stored once per content (SHA-256, hex), however many uploads and letters carry them.
CREATE TABLE sequence_files (
    hash TEXT PRIMARY KEY,
    bytes BLOB NOT NULL
);

-- An upload: owned by the uploader, who alone may put it on a step or delete it.
CREATE TABLE sequence_attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id INTEGER NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    hash TEXT NOT NULL REFERENCES sequence_files (hash),
    created_at INTEGER NOT NULL
);
CREATE INDEX sequence_attachments_owner ON sequence_attachments (owner_id, id);
CREATE INDEX sequence_attachments_hash ON sequence_attachments (hash);

-- The attachments of each step (from 0), in the order given; an attachment in use is not deleted (409).
CREATE TABLE sequence_step_attachments (
    sequence_id INTEGER NOT NULL REFERENCES sequences (id) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    position INTEGER NOT NULL,
    attachment_id INTEGER NOT NULL REFERENCES sequence_attachments (id),
    PRIMARY KEY (sequence_id, step, attachment_id)
);
CREATE INDEX sequence_step_attachments_file ON sequence_step_attachments (attachment_id);
