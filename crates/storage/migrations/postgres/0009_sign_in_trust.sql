-- When each login last signed in from each network: a source that did is trusted, and the
-- per-login failure count across networks does not slow it down (no lock-out by strangers).
CREATE TABLE sign_in_trust (
    key          TEXT   PRIMARY KEY,
    last_success BIGINT NOT NULL
);
CREATE INDEX sign_in_trust_by_time ON sign_in_trust (last_success);
