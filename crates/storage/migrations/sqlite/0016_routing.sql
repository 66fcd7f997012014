-- What comes in. Every hosted address, a mailbox's own and its aliases, is one row here, so
-- UNIQUE keeps any address from naming two mailboxes, whichever tables or accounts ask.
CREATE TABLE addresses (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    address    TEXT    NOT NULL UNIQUE,
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes (id),
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    domain_id  INTEGER NOT NULL REFERENCES domains (id),
    is_alias   INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX addresses_mailbox ON addresses (mailbox_id);
CREATE INDEX addresses_account ON addresses (account_id, is_alias);
INSERT INTO addresses (address, mailbox_id, account_id, domain_id, is_alias, created_at)
    SELECT address, id, account_id, domain_id, 0, created_at FROM mailboxes;

-- The mailbox that gets mail for the domain's addresses that name no one.
ALTER TABLE domains ADD COLUMN catch_all_mailbox_id INTEGER REFERENCES mailboxes (id);

-- A mailbox's settings; no row: the defaults (sub-addressing to INBOX, blocked mail refused,
-- a copy kept of forwarded mail).
CREATE TABLE mailbox_routing (
    mailbox_id    INTEGER PRIMARY KEY REFERENCES mailboxes (id),
    subaddressing TEXT NOT NULL DEFAULT 'inbox',
    blocked_mail  TEXT NOT NULL DEFAULT 'refuse',
    keep_copy     INTEGER NOT NULL DEFAULT 1
);

-- Where a mailbox forwards its mail: hosted or external addresses.
CREATE TABLE forwards (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    mailbox_id  INTEGER NOT NULL REFERENCES mailboxes (id),
    destination TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (mailbox_id, destination)
);

-- Allowed and blocked senders: an address or '@domain', on one of the two lists.
CREATE TABLE sender_filters (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes (id),
    list       TEXT    NOT NULL CHECK (list IN ('allowed', 'blocked')),
    pattern    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (mailbox_id, pattern)
);

-- The account's time zone (IANA name): the Auto-Reply tab's dates are its calendar days.
ALTER TABLE accounts ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

-- The auto-reply of a mailbox; no row: none. Dates are days of the account's time zone,
-- both inclusive; NULL: open-ended.
CREATE TABLE auto_replies (
    mailbox_id    INTEGER PRIMARY KEY REFERENCES mailboxes (id),
    enabled       INTEGER NOT NULL,
    subject       TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    starts_on     TEXT,
    ends_on       TEXT,
    interval_days INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- Who got an auto-reply from a mailbox, and when: at most one per sender per interval. The
-- Sieve vacation action shares it.
CREATE TABLE auto_reply_sent (
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes (id),
    sender     TEXT    NOT NULL,
    sent_at    INTEGER NOT NULL,
    PRIMARY KEY (mailbox_id, sender)
);
