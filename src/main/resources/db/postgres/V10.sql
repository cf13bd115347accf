-- Console users (sqlite/V10.sql): an account's members and operators; passwords only as Argon2id hashes.
CREATE TABLE console_users (
  id            TEXT PRIMARY KEY,
  account_id    TEXT REFERENCES accounts(id),
  email         TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('member', 'operator')),
  created_at    BIGINT NOT NULL,
  CHECK ((role = 'member') = (account_id IS NOT NULL))
);
CREATE INDEX console_users_account ON console_users (account_id);
