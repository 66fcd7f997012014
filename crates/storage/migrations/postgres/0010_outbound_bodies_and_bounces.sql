-- Bounces sent to each envelope sender in the current hour's window, shared by every node on
-- the database, so a flood of failing mail cannot turn the server into a source of backscatter.
CREATE TABLE bounce_counts (
    sender       TEXT   PRIMARY KEY,
    bounces      BIGINT NOT NULL,
    window_start BIGINT NOT NULL
);
CREATE INDEX bounce_counts_by_window ON bounce_counts (window_start);

-- One body per queued message, shared by its recipients' rows (a message to 100 recipients
-- used to be stored 100 times), keyed by its SHA-256 (hex); deleted with the last row. Rows
-- queued before this keep their own body under the key 'row-<id>'.
CREATE TABLE outbound_bodies (
    body_key TEXT   PRIMARY KEY,
    body     BYTEA  NOT NULL,
    size     BIGINT NOT NULL
);
ALTER TABLE outbound_queue ADD COLUMN body_key TEXT NOT NULL DEFAULT '';
INSERT INTO outbound_bodies (body_key, body, size)
    SELECT 'row-' || id, body, size FROM outbound_queue;
UPDATE outbound_queue SET body_key = 'row-' || id;
ALTER TABLE outbound_queue DROP COLUMN body;
CREATE INDEX outbound_queue_by_body ON outbound_queue (body_key);
