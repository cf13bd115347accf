-- The journal (sqlite/V9.sql), shared by every gateway process on this database. seq is the one order of the shared
-- log: gap-free, each event one past the last, and a process appends only while it holds the journal's advisory
-- lock (see docs/scale-out.md), so the events committed are always a prefix 1..n. node names the process that
-- appended the event: start-up recovery of a restarted node and the hold-expiry rule read it.
CREATE TABLE journal (
  seq        BIGINT PRIMARY KEY,
  kind       TEXT NOT NULL,
  event      TEXT NOT NULL,
  annotation TEXT,
  created_at BIGINT NOT NULL,
  node       TEXT
);
CREATE TABLE journal_snapshots (
  seq        BIGINT PRIMARY KEY,
  state      TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE journal_projection (
  id  INTEGER PRIMARY KEY CHECK (id = 1),
  seq BIGINT NOT NULL
);
INSERT INTO journal_projection (id, seq) VALUES (1, 0);
