-- The outbound queue: one row per recipient at another server, with its own copy of the body
-- (a mailbox may expunge its Sent copy while the message still waits here). Times are
-- microseconds since the epoch; `next_attempt` is also the lease a worker takes.
CREATE TABLE outbound_queue (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    sender       TEXT    NOT NULL,
    recipient    TEXT    NOT NULL,
    body         BLOB    NOT NULL,
    size         BIGINT  NOT NULL,
    attempts     BIGINT  NOT NULL DEFAULT 0,
    created_at   BIGINT  NOT NULL,
    next_attempt BIGINT  NOT NULL,
    last_error   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX outbound_queue_due ON outbound_queue (next_attempt);
