-- A key owner's limit is its own row beside the operator's limit of the same shape (sqlite/V7.sql).
DROP INDEX limits_by_shape;
CREATE UNIQUE INDEX limits_by_shape ON limits (scope, subject, COALESCE(model, ''), COALESCE(route_type, ''), metric,
  COALESCE(bucket, ''), "window", source);
-- A key may expire: from then on it is refused like a revoked key (401 key_expired).
ALTER TABLE api_keys ADD COLUMN expires_at BIGINT;
