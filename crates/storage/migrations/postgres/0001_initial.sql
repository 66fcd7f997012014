-- TrekMail's first schema on PostgreSQL. Every integer is BIGINT (sqlx's Any driver decodes
-- i64), timestamps are microseconds since the Unix epoch, and there is no BOOLEAN.

CREATE TABLE accounts (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_email TEXT   NOT NULL UNIQUE,
    plan        TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE domains (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    name       TEXT   NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX domains_account ON domains (account_id);

CREATE TABLE mailboxes (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts (id),
    domain_id    BIGINT NOT NULL REFERENCES domains (id),
    address      TEXT   NOT NULL UNIQUE,
    display_name TEXT   NOT NULL,
    quota_bytes  BIGINT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX mailboxes_account ON mailboxes (account_id);
CREATE INDEX mailboxes_domain ON mailboxes (domain_id);

-- Sign-in material of an account owner or a mailbox (Principal::parts).
CREATE TABLE credentials (
    owner_kind     TEXT   NOT NULL CHECK (owner_kind IN ('account', 'mailbox')),
    owner_id       BIGINT NOT NULL,
    password_hash  TEXT   NOT NULL,
    epoch          BIGINT NOT NULL,
    totp_sealed    BYTEA,
    totp_last_step BIGINT,
    PRIMARY KEY (owner_kind, owner_id)
);

-- At most one recovery code per mailbox, stored hashed.
CREATE TABLE recovery_codes (
    mailbox_id BIGINT PRIMARY KEY REFERENCES mailboxes (id),
    code_hash  BYTEA  NOT NULL,
    issued_at  BIGINT NOT NULL,
    used_at    BIGINT
);

-- Live sessions: connections carry their node, web sessions the hash of their cookie token.
CREATE TABLE sessions (
    id           TEXT   PRIMARY KEY,
    owner_kind   TEXT   NOT NULL,
    owner_id     BIGINT NOT NULL,
    channel      TEXT   NOT NULL,
    node_id      TEXT,
    remote_ip    TEXT,
    started_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    epoch        BIGINT NOT NULL,
    token_hash   BYTEA UNIQUE,
    FOREIGN KEY (owner_kind, owner_id) REFERENCES credentials (owner_kind, owner_id)
);
CREATE INDEX sessions_owner ON sessions (owner_kind, owner_id);
CREATE INDEX sessions_node ON sessions (node_id);

-- The processes sharing this database, with their last heartbeat.
CREATE TABLE nodes (
    id           TEXT   PRIMARY KEY,
    last_seen_at BIGINT NOT NULL
);

-- Append-only; no foreign keys, so records outlive what they are about.
CREATE TABLE audit_events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         BIGINT NOT NULL,
    kind       TEXT   NOT NULL,
    account_id BIGINT,
    owner_kind TEXT,
    owner_id   BIGINT,
    subject    TEXT   NOT NULL,
    channel    TEXT   NOT NULL,
    remote_ip  TEXT,
    detail     TEXT   NOT NULL
);
CREATE INDEX audit_events_owner ON audit_events (owner_kind, owner_id, id);
CREATE INDEX audit_events_account ON audit_events (account_id, id);
