-- Route-scoped limits. Definitions set through the admin API, the CLI or by a key's owner; the ones in the
-- YAML configuration are not stored here. Usage is kept per counter: one limit, one subject, one window.
CREATE TABLE limits (
  id         TEXT PRIMARY KEY,
  scope      TEXT NOT NULL,   -- account, project, key, route_key, route_project
  subject    TEXT NOT NULL,   -- the account, project or key id the limit belongs to
  model      TEXT,            -- for route_key and route_project
  route_type TEXT,
  metric     TEXT NOT NULL,   -- spend, tokens, requests
  bucket     TEXT,            -- for spend
  "window"   TEXT NOT NULL,   -- minute, day, month, lifetime
  cap        BIGINT NOT NULL CHECK (cap >= 0),
  source     TEXT NOT NULL,   -- admin or owner
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX limits_by_shape ON limits (scope, subject, COALESCE(model, ''), COALESCE(route_type, ''), metric,
  COALESCE(bucket, ''), "window");

CREATE TABLE limit_usage (
  counter_key TEXT PRIMARY KEY,
  spent       BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL
);

ALTER TABLE holds ADD COLUMN reservations TEXT;
ALTER TABLE receipts ADD COLUMN route_type TEXT;
ALTER TABLE receipts ADD COLUMN bucket TEXT;
