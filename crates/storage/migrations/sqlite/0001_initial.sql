-- TrekMail's first schema on SQLite. Timestamps are microseconds since the Unix epoch; no
-- BOOLEAN (sqlx's Any driver cannot decode it). AUTOINCREMENT keeps ids of deleted rows from
-- being handed out again, so an old id never names a new account or mailbox.

CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_email TEXT    NOT NULL UNIQUE,
    plan        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE domains (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    name       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
CREATE INDEX domains_account ON domains (account_id);

CREATE TABLE mailboxes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    domain_id    INTEGER NOT NULL REFERENCES domains (id),
    address      TEXT    NOT NULL UNIQUE,
    display_name TEXT    NOT NULL,
    quota_bytes  INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX mailboxes_account ON mailboxes (account_id);
CREATE INDEX mailboxes_domain ON mailboxes (domain_id);

-- Sign-in material of an account owner or a mailbox (Principal::parts).
CREATE TABLE credentials (
    owner_kind     TEXT    NOT NULL CHECK (owner_kind IN ('account', 'mailbox')),
    owner_id       INTEGER NOT NULL,
    password_hash  TEXT    NOT NULL,
    epoch          INTEGER NOT NULL,
    totp_sealed    BLOB,
    totp_last_step INTEGER,
    PRIMARY KEY (owner_kind, owner_id)
);

-- At most one recovery code per mailbox, stored hashed.
CREATE TABLE recovery_codes (
    mailbox_id INTEGER PRIMARY KEY REFERENCES mailboxes (id),
    code_hash  BLOB    NOT NULL,
    issued_at  INTEGER NOT NULL,
    used_at    INTEGER
);

-- Live sessions: connections carry their node, web sessions the hash of their cookie token.
CREATE TABLE sessions (
    id           TEXT    PRIMARY KEY,
    owner_kind   TEXT    NOT NULL,
    owner_id     INTEGER NOT NULL,
    channel      TEXT    NOT NULL,
    node_id      TEXT,
    remote_ip    TEXT,
    started_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    epoch        INTEGER NOT NULL,
    token_hash   BLOB UNIQUE,
    FOREIGN KEY (owner_kind, owner_id) REFERENCES credentials (owner_kind, owner_id)
);
CREATE INDEX sessions_owner ON sessions (owner_kind, owner_id);
CREATE INDEX sessions_node ON sessions (node_id);

-- The processes sharing this database, with their last heartbeat.
CREATE TABLE nodes (
    id           TEXT    PRIMARY KEY,
    last_seen_at INTEGER NOT NULL
);

-- Append-only; no foreign keys, so records outlive what they are about.
CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    account_id INTEGER,
    owner_kind TEXT,
    owner_id   INTEGER,
    subject    TEXT    NOT NULL,
    channel    TEXT    NOT NULL,
    remote_ip  TEXT,
    detail     TEXT    NOT NULL
);
CREATE INDEX audit_events_owner ON audit_events (owner_kind, owner_id, id);
CREATE INDEX audit_events_account ON audit_events (account_id, id);
