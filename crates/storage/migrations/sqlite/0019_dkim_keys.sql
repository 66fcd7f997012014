-- Each hosted domain's DKIM keys. `signing` is 1 for the keys outgoing mail is signed with;
-- a rotated-out key keeps its row (and its published record) until the operator retires it.
-- The private key is sealed with the server key, bound to its domain and selector.
CREATE TABLE dkim_keys (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    domain_id      INTEGER NOT NULL REFERENCES domains (id),
    selector       TEXT    NOT NULL,
    algorithm      TEXT    NOT NULL,
    public_key     BLOB    NOT NULL,
    sealed_private BLOB    NOT NULL,
    signing        INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    UNIQUE (domain_id, selector)
);
