-- An account's own webmail look: its host name (unique across accounts), name and colour.
CREATE TABLE webmail_brands (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id),
    host       TEXT   NOT NULL UNIQUE,
    name       TEXT   NOT NULL,
    colour     TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);
