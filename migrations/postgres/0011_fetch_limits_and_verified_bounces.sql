-- A message over the size limit is stored as its headers: `truncated` is set and `original_size` is the size the
-- IMAP server reported. A bounce suppresses only when verified (signed VERP, or the letter we sent is known);
-- bounces recorded before this change were all treated as verified.
ALTER TABLE messages ADD COLUMN truncated BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN original_size BIGINT;
ALTER TABLE bounces ADD COLUMN verified BIGINT NOT NULL DEFAULT 1;
