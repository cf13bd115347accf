-- PostgreSQL dialect of sqlite/V6.sql: the index goes; entries keep their bigserial seq (SQLite's rowid copy has no
-- counterpart here).
DROP INDEX transfers_by_request;
