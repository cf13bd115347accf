-- Tenants, keys, receipts and settings. Times are epoch milliseconds.
CREATE TABLE accounts (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE projects (
  id         TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  name       TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX projects_by_account ON projects (account_id);

CREATE TABLE api_keys (
  id          TEXT PRIMARY KEY,
  project_id  TEXT NOT NULL REFERENCES projects (id),
  name        TEXT NOT NULL,
  prefix      TEXT NOT NULL UNIQUE,
  secret_hash BYTEA NOT NULL,
  scope       TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  revoked_at  BIGINT
);
CREATE INDEX api_keys_by_project ON api_keys (project_id);

CREATE TABLE receipts (
  id         TEXT PRIMARY KEY,
  account_id TEXT,
  project_id TEXT,
  key_id     TEXT,
  created_at BIGINT NOT NULL,
  model      TEXT,
  outcome    TEXT NOT NULL,
  body       TEXT NOT NULL
);
CREATE INDEX receipts_by_project ON receipts (project_id, id);

CREATE TABLE settings (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
