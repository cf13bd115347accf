-- PostgreSQL dialect of sqlite/V5.sql: the index goes; entries keep their bigserial seq (SQLite's rowid copy has no
-- counterpart here).
DROP INDEX transfers_by_request;
