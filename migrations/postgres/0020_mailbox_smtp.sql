-- A mailbox's own SMTP server, for sending as that mailbox. No `smtp_host`: the mailbox does not send.
-- `smtp_auth` is `mailbox` (the mailbox's own password or OAuth2 grant, as `smtp_username` or the IMAP user)
-- or `password` (a separate SMTP password, sealed like the IMAP one). `smtp_address`: the From address (NULL:
-- the IMAP user name).
ALTER TABLE mailboxes ADD COLUMN smtp_host TEXT;
ALTER TABLE mailboxes ADD COLUMN smtp_port BIGINT;
ALTER TABLE mailboxes ADD COLUMN smtp_security TEXT;
ALTER TABLE mailboxes ADD COLUMN smtp_auth TEXT;
ALTER TABLE mailboxes ADD COLUMN smtp_username TEXT;
ALTER TABLE mailboxes ADD COLUMN smtp_password_enc TEXT;
ALTER TABLE mailboxes ADD COLUMN smtp_address TEXT;
