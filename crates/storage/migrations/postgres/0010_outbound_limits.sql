-- Bounces sent to each envelope sender in the current hour's window, shared by every node on
-- the database, so a flood of failing mail cannot turn the server into a source of backscatter.
CREATE TABLE bounce_counts (
    sender       TEXT   PRIMARY KEY,
    bounces      BIGINT NOT NULL,
    window_start BIGINT NOT NULL
);
CREATE INDEX bounce_counts_by_window ON bounce_counts (window_start);
