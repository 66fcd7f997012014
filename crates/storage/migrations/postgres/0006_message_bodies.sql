-- Nodes sharing this database keep bodies in `blobs`. A message row must name a body that is
-- there: a body deleted by one node while another appends the same bytes is then refused at
-- the append (which stores the body again) instead of leaving a message without a body.
ALTER TABLE messages
    ADD CONSTRAINT messages_blob_fk FOREIGN KEY (blob_id) REFERENCES blobs (id);
