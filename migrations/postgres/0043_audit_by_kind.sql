-- The admin audit page (GET /api/v1/admin/audit) reads entries by kind, newest first.
CREATE INDEX audit_log_kind_id ON audit_log (record_kind, id);
