-- Idempotency-Key claims: which gateway process of a cluster sharing one database runs the first request with a key
-- (proxy/IdempotencyClaims). A claim is in flight while status is null; a finished claim whose result is not kept
-- (a refusal, a transient failure) holds that result for the duplicates that waited on it, and may be taken over by
-- the next request with the key; a claim past expires_at (its process died) may be taken over too. A result that is
-- kept goes to idempotency and ends the claim in the same transaction. Used on a shared store only.
CREATE TABLE idempotency_claims (
  scope       TEXT PRIMARY KEY,
  token       TEXT NOT NULL,
  node        TEXT NOT NULL,
  body_sha256 TEXT NOT NULL,
  expires_at  INTEGER NOT NULL,
  status      INTEGER,
  headers     TEXT,
  body        BLOB
);
CREATE INDEX idempotency_claims_by_expiry ON idempotency_claims (expires_at);
