-- Every selected folder live (issue 19, item 2): flags per location, locations gone from the server, and how far a
-- folder's flags and expunges were last reconciled.
-- A location whose message was expunged or moved away keeps its row (the mailbox's members still read the mail)
-- but counts as gone; a message whose locations are all gone is deleted on the server.
ALTER TABLE message_locations ADD COLUMN seen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE message_locations ADD COLUMN answered BIGINT NOT NULL DEFAULT 0;
ALTER TABLE message_locations ADD COLUMN flagged BIGINT NOT NULL DEFAULT 0;
ALTER TABLE message_locations ADD COLUMN gone_at BIGINT;
-- HIGHESTMODSEQ when flags and expunges were last reconciled (CONDSTORE), and the last UID whose flags were read.
ALTER TABLE mail_folders ADD COLUMN changes_modseq BIGINT;
ALTER TABLE mail_folders ADD COLUMN flags_uid BIGINT NOT NULL DEFAULT 0;
