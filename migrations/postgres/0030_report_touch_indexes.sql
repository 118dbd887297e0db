-- Data quality's "untouched for 90 days" (issue 17): the notes and tasks changed since a cutoff, read as one index
-- range with the record they belong to, instead of a look-up per record (which also read every task's row).
CREATE INDEX notes_touched ON notes (updated_at, record_kind, record_id);
CREATE INDEX tasks_touched ON tasks (updated_at, record_kind, record_id);
