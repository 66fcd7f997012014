-- Subscriptions are names, not a mark on a folder: a name stays subscribed when its folder is
-- deleted (RFC 3501 §6.3.6: the server must not drop it on its own), and LIST (SUBSCRIBED)
-- then shows it as \NonExistent (RFC 5258). A rename carries the subscriptions along.
CREATE TABLE subscriptions (
    mailbox_id BIGINT NOT NULL REFERENCES mailboxes (id),
    name       TEXT    NOT NULL,
    PRIMARY KEY (mailbox_id, name)
);
INSERT INTO subscriptions (mailbox_id, name) SELECT mailbox_id, name FROM folders WHERE subscribed = 1;
ALTER TABLE folders DROP COLUMN subscribed;
