-- The two-bucket double-entry ledger. Amounts are integer micro-units of the bucket's currency.
-- A wallet's balance equals the sum of its entries; for each bucket all entries sum to zero.
CREATE TABLE ledger_accounts (
  id         TEXT PRIMARY KEY,
  owner      TEXT NOT NULL,              -- a customer account id, or 'system'
  bucket     TEXT NOT NULL,
  kind       TEXT NOT NULL,              -- customer, topup_source, revenue, adjustment, conversion
  balance    BIGINT NOT NULL DEFAULT 0,
  held       BIGINT NOT NULL DEFAULT 0, -- sum of pending holds
  overdraft  BIGINT NOT NULL DEFAULT 0, -- how far below zero the balance may go
  created_at BIGINT NOT NULL
);
CREATE INDEX ledger_accounts_by_owner ON ledger_accounts (owner, bucket);

-- Immutable. The id is the idempotency key: the same transfer can never be recorded twice.
CREATE TABLE transfers (
  id             TEXT PRIMARY KEY,
  kind           TEXT NOT NULL,          -- topup, charge, refund, adjustment, conversion
  bucket         TEXT NOT NULL,
  debit_account  TEXT NOT NULL REFERENCES ledger_accounts (id),
  credit_account TEXT NOT NULL REFERENCES ledger_accounts (id),
  amount         BIGINT NOT NULL CHECK (amount > 0),
  request_id     TEXT,
  note           TEXT,
  details        TEXT,                   -- JSON: conversion rate, top-up source, code prefix
  created_at     BIGINT NOT NULL
);
CREATE INDEX transfers_by_request ON transfers (request_id);

-- Append-only: two per transfer, the debit negative and the credit positive.
CREATE TABLE entries (
  seq           BIGSERIAL PRIMARY KEY,
  transfer_id   TEXT NOT NULL REFERENCES transfers (id),
  account_id    TEXT NOT NULL REFERENCES ledger_accounts (id),
  amount        BIGINT NOT NULL,
  balance_after BIGINT NOT NULL,
  request_id    TEXT,
  created_at    BIGINT NOT NULL
);
CREATE INDEX entries_by_account ON entries (account_id, seq);

-- Two-phase reservations: pending until posted at the actual amount or voided.
CREATE TABLE holds (
  id             TEXT PRIMARY KEY,
  wallet_id      TEXT NOT NULL REFERENCES ledger_accounts (id),
  bucket         TEXT NOT NULL,
  amount         BIGINT NOT NULL CHECK (amount >= 0),
  status         TEXT NOT NULL,          -- pending, posted, voided
  request_id     TEXT NOT NULL,
  context        TEXT NOT NULL,          -- JSON: what recovery needs to write a receipt
  posted_amount  BIGINT,
  transfer_id    TEXT,
  resolution     TEXT,                   -- how it ended: settled, failed_attempt, recovered_on_startup, expired
  created_at     BIGINT NOT NULL,
  expires_at     BIGINT NOT NULL,
  resolved_at    BIGINT
);
CREATE INDEX holds_pending ON holds (status, expires_at);

CREATE TABLE price_versions (
  id         BIGSERIAL PRIMARY KEY,
  digest     TEXT NOT NULL UNIQUE,
  prices     TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE redeem_codes (
  code_hash  TEXT PRIMARY KEY,
  prefix     TEXT NOT NULL,
  bucket     TEXT NOT NULL,
  amount     BIGINT NOT NULL CHECK (amount > 0),
  max_uses   BIGINT NOT NULL,
  uses       BIGINT NOT NULL DEFAULT 0,
  expires_at BIGINT,
  created_at BIGINT NOT NULL
);

CREATE TABLE idempotency (
  scope       TEXT PRIMARY KEY,          -- key id + Idempotency-Key
  body_sha256 TEXT NOT NULL,
  status      BIGINT NOT NULL,
  headers     TEXT NOT NULL,
  body        BYTEA NOT NULL,
  created_at  BIGINT NOT NULL
);
CREATE INDEX idempotency_by_age ON idempotency (created_at);

ALTER TABLE receipts ADD COLUMN charged BIGINT NOT NULL DEFAULT 0;
ALTER TABLE receipts ADD COLUMN transfer_id TEXT;
ALTER TABLE receipts ADD COLUMN cost BIGINT;
CREATE INDEX receipts_by_transfer ON receipts (transfer_id);
