-- A key owner's limit is its own row beside the operator's limit of the same shape: both apply, the tightest wins,
-- and neither writes over the other.
DROP INDEX limits_by_shape;
CREATE UNIQUE INDEX limits_by_shape ON limits (scope, subject, COALESCE(model, ''), COALESCE(route_type, ''), metric,
  COALESCE(bucket, ''), window, source);
