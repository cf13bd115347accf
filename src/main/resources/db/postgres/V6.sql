-- A key owner's limit is its own row beside the operator's limit of the same shape (sqlite/V6.sql).
DROP INDEX limits_by_shape;
CREATE UNIQUE INDEX limits_by_shape ON limits (scope, subject, COALESCE(model, ''), COALESCE(route_type, ''), metric,
  COALESCE(bucket, ''), "window", source);
