-- What a database is, as opposed to the operator's settings: one row per fact, e.g. ('kind', 'demo') for a database
-- made by `tollgate serve --demo`. A real configuration never serves a demo database and the demo never opens a
-- real one (DESIGN.md, storage); a database without a 'kind' row is a real one.
CREATE TABLE store_info (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
-- Before this version the demo shared ./data with real setups. A database that only the demo used (its one account,
-- named demo and funded by the demo's own top-ups) is marked as the demo's, so a real gateway will not serve its
-- funded demo key. One that also holds other accounts is left unmarked: those are the operator's to keep.
INSERT INTO store_info (name, value)
  SELECT 'kind', 'demo'
  WHERE EXISTS (SELECT 1 FROM transfers WHERE id LIKE 'topup:%:demo-initial-credit' OR id LIKE 'topup:%:demo-initial-rmb')
    AND NOT EXISTS (SELECT 1 FROM accounts WHERE name <> 'demo');
