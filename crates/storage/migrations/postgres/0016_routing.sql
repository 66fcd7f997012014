-- What comes in. Every hosted address, a mailbox's own and its aliases, is one row here, so
-- UNIQUE keeps any address from naming two mailboxes, whichever tables or accounts ask.
CREATE TABLE addresses (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    address    TEXT    NOT NULL UNIQUE,
    mailbox_id BIGINT NOT NULL REFERENCES mailboxes (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    domain_id  BIGINT NOT NULL REFERENCES domains (id),
    is_alias   BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX addresses_mailbox ON addresses (mailbox_id);
CREATE INDEX addresses_account ON addresses (account_id, is_alias);
INSERT INTO addresses (address, mailbox_id, account_id, domain_id, is_alias, created_at)
    SELECT address, id, account_id, domain_id, 0, created_at FROM mailboxes;

-- The mailbox that gets mail for the domain's addresses that name no one.
ALTER TABLE domains ADD COLUMN catch_all_mailbox_id BIGINT REFERENCES mailboxes (id);

-- A mailbox's settings; no row: the defaults (sub-addressing to INBOX, blocked mail refused,
-- a copy kept of forwarded mail).
CREATE TABLE mailbox_routing (
    mailbox_id    BIGINT PRIMARY KEY REFERENCES mailboxes (id),
    subaddressing TEXT NOT NULL DEFAULT 'inbox',
    blocked_mail  TEXT NOT NULL DEFAULT 'refuse',
    keep_copy     BIGINT NOT NULL DEFAULT 1
);

-- Where a mailbox forwards its mail: hosted or external addresses.
CREATE TABLE forwards (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mailbox_id  BIGINT NOT NULL REFERENCES mailboxes (id),
    destination TEXT    NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (mailbox_id, destination)
);

-- Allowed and blocked senders: an address or '@domain', on one of the two lists.
CREATE TABLE sender_filters (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mailbox_id BIGINT NOT NULL REFERENCES mailboxes (id),
    list       TEXT    NOT NULL CHECK (list IN ('allowed', 'blocked')),
    pattern    TEXT    NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (mailbox_id, pattern)
);

-- The account's time zone (IANA name): the Auto-Reply tab's dates are its calendar days.
ALTER TABLE accounts ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

-- The auto-reply of a mailbox; no row: none. Dates are days of the account's time zone,
-- both inclusive; NULL: open-ended.
CREATE TABLE auto_replies (
    mailbox_id    BIGINT  PRIMARY KEY REFERENCES mailboxes (id),
    enabled       BIGINT  NOT NULL,
    subject       TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    starts_on     TEXT,
    ends_on       TEXT,
    interval_days BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);

-- Who got an auto-reply from a mailbox, and when: at most one per sender per interval. The
-- Sieve vacation action shares it.
CREATE TABLE auto_reply_sent (
    mailbox_id BIGINT  NOT NULL REFERENCES mailboxes (id),
    sender     TEXT    NOT NULL,
    sent_at    BIGINT  NOT NULL,
    PRIMARY KEY (mailbox_id, sender)
);
