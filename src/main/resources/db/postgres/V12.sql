-- Idempotency-Key claims (sqlite/V12.sql): which gateway process of a cluster runs the first request with a key.
CREATE TABLE idempotency_claims (
  scope       TEXT PRIMARY KEY,
  token       TEXT NOT NULL,
  node        TEXT NOT NULL,
  body_sha256 TEXT NOT NULL,
  expires_at  BIGINT NOT NULL,
  status      BIGINT,
  headers     TEXT,
  body        BYTEA
);
CREATE INDEX idempotency_claims_by_expiry ON idempotency_claims (expires_at);
