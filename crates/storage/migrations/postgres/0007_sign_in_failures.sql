-- Sign-in failure counters (per login+IP and per IP), shared by every node on the database.
CREATE TABLE sign_in_failures (
    key          TEXT   PRIMARY KEY,
    failures     BIGINT NOT NULL,
    last_failure BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_by_time ON sign_in_failures (last_failure);
