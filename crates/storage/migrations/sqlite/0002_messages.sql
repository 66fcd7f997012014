-- Folders and messages (bodies live in a blob store, named by their SHA-256), and a mailbox's
-- usage, kept in step with its messages by every transaction that adds or removes one.

ALTER TABLE mailboxes ADD COLUMN used_bytes INTEGER NOT NULL DEFAULT 0;

-- Named counters; `uid_validity` is the last UIDVALIDITY handed out, to any folder.
CREATE TABLE counters (
    name  TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('uid_validity', 0);

-- `name` is the full path with '/' between levels; `subscribed` is 0 or 1.
CREATE TABLE folders (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    mailbox_id   INTEGER NOT NULL REFERENCES mailboxes (id),
    name         TEXT    NOT NULL,
    special_use  TEXT,
    uid_validity INTEGER NOT NULL,
    uid_next     INTEGER NOT NULL,
    subscribed   INTEGER NOT NULL,
    UNIQUE (mailbox_id, name)
);

-- `flags` is `Flags::to_stored`; `blob_id` names the body in the blob store.
CREATE TABLE messages (
    folder_id     INTEGER NOT NULL REFERENCES folders (id),
    uid           INTEGER NOT NULL,
    flags         TEXT    NOT NULL,
    internal_date INTEGER NOT NULL,
    size          INTEGER NOT NULL,
    blob_id       TEXT    NOT NULL,
    PRIMARY KEY (folder_id, uid)
);
CREATE INDEX messages_blob ON messages (blob_id);

-- Mailboxes made before folders existed get the folders every new mailbox gets, each with
-- a UIDVALIDITY of its own (the clock plus the folder's id); the counter goes on from there.
INSERT INTO folders (mailbox_id, name, special_use, uid_validity, uid_next, subscribed)
SELECT m.id, f.name, f.special_use, 0, 1, 1
FROM mailboxes m CROSS JOIN (
    SELECT 'INBOX' AS name, NULL AS special_use
    UNION ALL SELECT 'Sent', 'Sent'
    UNION ALL SELECT 'Drafts', 'Drafts'
    UNION ALL SELECT 'Trash', 'Trash'
    UNION ALL SELECT 'Junk', 'Junk'
    UNION ALL SELECT 'Archive', 'Archive'
) f;
UPDATE folders SET uid_validity = CAST(strftime('%s', 'now') AS INTEGER) + id;
UPDATE counters SET value = (SELECT COALESCE(MAX(uid_validity), 0) FROM folders)
WHERE name = 'uid_validity';

-- Bodies, when they are kept in the database rather than in files.
CREATE TABLE blobs (
    id    TEXT PRIMARY KEY,
    bytes BLOB NOT NULL
);
