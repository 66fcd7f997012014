-- What SEARCH's FROM/TO/CC/BCC/SUBJECT and SENT* keys compare, taken from each message's
-- header when it is stored (decoded and folded; NULL: no such field), so a search reads a row
-- per message, not its body. A message stored before this has none: it is read as before.
-- `sent_on` is the Date: field's own calendar date, as days from 0001-01-01 (day 1).
CREATE TABLE header_summaries (
    folder_id  BIGINT NOT NULL,
    uid        BIGINT NOT NULL,
    subject    TEXT,
    from_field TEXT,
    to_field   TEXT,
    cc_field   TEXT,
    bcc_field  TEXT,
    sent_on    BIGINT,
    PRIMARY KEY (folder_id, uid),
    FOREIGN KEY (folder_id, uid) REFERENCES messages (folder_id, uid) ON DELETE CASCADE
);
