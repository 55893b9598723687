-- Applied webhook events are purged after the retention (Worker housekeeping);
-- this finds them without scanning the pending ones.
CREATE INDEX inbox_processed ON inbox (received_at) WHERE processed;
