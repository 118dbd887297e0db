-- The send worker (a server instance or `mailroom campaign send`) that runs a campaign. One runner at a time, so
-- that the campaign's rate and concurrency limits hold however many instances share the database; another
-- worker takes over once the runner's heartbeat in send_workers is stale.
ALTER TABLE campaigns ADD COLUMN runner TEXT;
