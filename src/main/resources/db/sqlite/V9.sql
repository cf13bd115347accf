-- The journal is the ledger's source of truth (DESIGN.md, accounting core): one row per event of the accounting
-- core, appended in the writer transaction that makes its decision durable (a hold before the upstream call; a
-- posting with its receipt before the response). Wallet balances, holds, transfers, entries and limit usage are
-- projections of it, brought up to date in batches off the request path and before every read.
CREATE TABLE journal (
  seq        INTEGER PRIMARY KEY,  -- the core's event number: 1, 2, 3, ... with no gaps
  kind       TEXT NOT NULL,        -- hold, posting, void, movement, overdraft
  event      TEXT NOT NULL,        -- the event as JSON
  annotation TEXT,                 -- JSON the projections need beside it: a hold's request context, a movement's note
  created_at INTEGER NOT NULL
);
-- The core's whole state after event seq; start-up restores the latest and replays the journal after it. Snapshot 0
-- is where the journal begins: for a database older than the journal, the state its tables held then.
CREATE TABLE journal_snapshots (
  seq        INTEGER PRIMARY KEY,
  state      TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
-- How far the projections have applied the journal.
CREATE TABLE journal_projection (
  id  INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL
);
INSERT INTO journal_projection (id, seq) VALUES (1, 0);
