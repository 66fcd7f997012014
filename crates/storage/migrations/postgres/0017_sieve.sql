-- A mailbox's Sieve scripts, by name; the partial index keeps at most one active.
CREATE TABLE sieve_scripts (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mailbox_id BIGINT NOT NULL REFERENCES mailboxes (id),
    name       TEXT   NOT NULL,
    source     TEXT   NOT NULL,
    active     BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    UNIQUE (mailbox_id, name)
);
CREATE UNIQUE INDEX sieve_scripts_active ON sieve_scripts (mailbox_id) WHERE active = 1;

-- Who got an automatic answer, per answer: the Auto-Reply tab's is the empty handle, a
-- Sieve vacation's is its own (RFC 5230), so the two share one memory and its rules.
ALTER TABLE auto_reply_sent ADD COLUMN handle TEXT NOT NULL DEFAULT '';
ALTER TABLE auto_reply_sent DROP CONSTRAINT auto_reply_sent_pkey;
ALTER TABLE auto_reply_sent ADD PRIMARY KEY (mailbox_id, handle, sender);
