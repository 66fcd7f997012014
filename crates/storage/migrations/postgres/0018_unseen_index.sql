-- The messages without \Seen, by folder: webmail's unread counts cost the unread messages,
-- not the folder. The predicate is the one `folder_counts.rs` asks, word for word.
CREATE INDEX messages_unseen ON messages (folder_id)
    WHERE (' ' || LOWER(flags) || ' ') NOT LIKE '% \seen %' ESCAPE '!';
