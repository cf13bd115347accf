/**
 * Persistence: one SQLite file in WAL mode, owned by one process (an exclusive lock beside it), with a single
 * writer thread that group-commits, pooled readers, versioned schema migrations, and the SQL for each table kept in
 * one class per feature.
 */
package io.tollgate.store;
