-- People who sign in to the console: an account's members (who see only that account) and operators (account_id
-- null). The password is stored only as an Argon2id hash (users/Passwords); sessions live in the gateway's memory.
CREATE TABLE console_users (
  id            TEXT PRIMARY KEY,
  account_id    TEXT REFERENCES accounts(id),
  email         TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('member', 'operator')),
  created_at    INTEGER NOT NULL,
  CHECK ((role = 'member') = (account_id IS NOT NULL))
);
CREATE INDEX console_users_account ON console_users (account_id);
