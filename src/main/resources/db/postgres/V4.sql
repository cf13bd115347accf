-- PostgreSQL dialect of sqlite/V4.sql: the same indexes dropped and the same partial index; limit_usage keeps its
-- table (SQLite's WITHOUT ROWID copy has no counterpart here: a primary key is already the table's only index).
DROP INDEX receipts_by_transfer;
DROP INDEX holds_pending;
CREATE INDEX holds_pending ON holds (expires_at) WHERE status = 'pending';
