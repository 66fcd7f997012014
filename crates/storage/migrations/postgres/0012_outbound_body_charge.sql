-- The mailbox whose quota a queued body counts against (a submission's sender), refunded
-- when the body goes with its last row; NULL for mail nobody's quota carries (bounces).
ALTER TABLE outbound_bodies ADD COLUMN mailbox_id BIGINT;
