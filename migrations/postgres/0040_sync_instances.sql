-- Instances that sync mailboxes heartbeat here; one is alive while seen within its lease time (lease_ms). Each takes at
-- most its fair share of the enabled mailboxes (ceil(enabled / alive)).
CREATE TABLE sync_instances (
    name TEXT PRIMARY KEY,
    started_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    lease_ms BIGINT NOT NULL
);

-- Raised on every new taking of a mailbox's lease: a chunk commits only while its sync's generation is still the
-- mailbox's, so a holder that lost its lease cannot commit after another took over.
ALTER TABLE mailboxes ADD COLUMN lease_generation BIGINT NOT NULL DEFAULT 0;
