-- Retention policies (issue 20.1): mail older than N months per mailbox, leads never converted after N months.
-- NULL keeps for ever.
ALTER TABLE mailboxes ADD COLUMN retention_months INTEGER;

CREATE TABLE retention_policy (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    leads_months INTEGER,
    -- the next pass of any instance: an instance runs it only by moving this forward first
    next_run_at INTEGER NOT NULL DEFAULT 0,
    last_run_at INTEGER,
    -- JSON counts of the last pass that ran
    last_counts TEXT
);
INSERT INTO retention_policy (id) VALUES (1);
