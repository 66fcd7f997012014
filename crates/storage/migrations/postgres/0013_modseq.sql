-- CONDSTORE/QRESYNC (RFC 7162) and \Recent: every change to a folder takes the folder's next
-- mod-sequence; each message carries the one of its last change, and an expunged message
-- leaves its UID and mod-sequence behind, so a session (or a client resyncing) reads what
-- changed since a mod-sequence without reading the folder. `recent_uid` is the first UID no
-- session has yet seen as \Recent: messages there before this migration are not recent.
ALTER TABLE folders ADD COLUMN highest_modseq BIGINT NOT NULL DEFAULT 1;
ALTER TABLE folders ADD COLUMN recent_uid BIGINT NOT NULL DEFAULT 1;
UPDATE folders SET recent_uid = uid_next;
ALTER TABLE messages ADD COLUMN modseq BIGINT NOT NULL DEFAULT 1;
CREATE INDEX messages_modseq ON messages (folder_id, modseq);

CREATE TABLE expunged (
    folder_id BIGINT NOT NULL REFERENCES folders (id),
    uid       BIGINT NOT NULL,
    modseq    BIGINT NOT NULL,
    PRIMARY KEY (folder_id, uid)
);
CREATE INDEX expunged_modseq ON expunged (folder_id, modseq);
