-- A mailbox's Sieve scripts, by name; the partial index keeps at most one active.
CREATE TABLE sieve_scripts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes (id),
    name       TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    active     INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    UNIQUE (mailbox_id, name)
);
CREATE UNIQUE INDEX sieve_scripts_active ON sieve_scripts (mailbox_id) WHERE active = 1;

-- Who got an automatic answer, per answer: the Auto-Reply tab's is the empty handle, a
-- Sieve vacation's is its own (RFC 5230), so the two share one memory and its rules.
CREATE TABLE auto_reply_sent_by_handle (
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes (id),
    handle     TEXT    NOT NULL,
    sender     TEXT    NOT NULL,
    sent_at    INTEGER NOT NULL,
    PRIMARY KEY (mailbox_id, handle, sender)
);
INSERT INTO auto_reply_sent_by_handle (mailbox_id, handle, sender, sent_at)
    SELECT mailbox_id, '', sender, sent_at FROM auto_reply_sent;
DROP TABLE auto_reply_sent;
ALTER TABLE auto_reply_sent_by_handle RENAME TO auto_reply_sent;
