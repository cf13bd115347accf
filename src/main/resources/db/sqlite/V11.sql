-- Receipt lists filtered by key (GET /v1/receipts?key_id=, the console's usage page) read newest first per key.
CREATE INDEX receipts_by_key ON receipts (key_id, id);

-- Console users can be disabled (they cannot sign in; their sessions end) and have their passwords changed; each of
-- those bumps session_epoch, which a live session compares with the one it signed in under.
ALTER TABLE console_users ADD COLUMN disabled_at INTEGER;
ALTER TABLE console_users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
