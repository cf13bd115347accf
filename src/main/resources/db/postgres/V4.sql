-- Fewer b-trees written per request: every index a request's transaction touches is one more page in the
-- write-ahead log at each commit.
-- Receipts are found by id, project and time; a charge's transfer is found from the receipt's own id
-- (transfers_by_request), so an index on receipts.transfer_id only cost writes.
DROP INDEX receipts_by_transfer;
-- Only pending holds are ever looked up by expiry; settled ones stay out of the index.
DROP INDEX holds_pending;
CREATE INDEX holds_pending ON holds (expires_at) WHERE status = 'pending';
-- Limit counters are small rows found only by key: keyed storage, no separate index on the key.
CREATE TABLE limit_usage_keyed (
  counter_key TEXT PRIMARY KEY,
  spent       BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL
) WITHOUT ROWID;
INSERT INTO limit_usage_keyed (counter_key, spent, updated_at) SELECT counter_key, spent, updated_at FROM limit_usage;
DROP TABLE limit_usage;
ALTER TABLE limit_usage_keyed RENAME TO limit_usage;
