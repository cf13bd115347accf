package io.tollgate.store;

/**
 * A gateway process's claim of its node name on a PostgreSQL store: a session advisory lock on its writer's
 * connection, which PostgreSQL drops when the connection ends ({@code kill -9} included). Whether another process's
 * node is alive is whether that lock is held now, as the database sees it: no process's clock is involved.
 */
public final class NodeLock {
  /** The lock's first key: the schema (advisory locks are the database's, so clusters in two schemas never meet). */
  private static final String SCHEMA_KEY = "hashtext('tollgate-node:' || coalesce(current_schema(), ''))";

  private NodeLock() {}

  /** The lock's two keys, for the node named by the SQL expression {@code node}. */
  static String keys(String node) {
    return SCHEMA_KEY + ", hashtext(" + node + ")";
  }

  /**
   * An SQL condition, true while a process holds the name given by the SQL expression {@code node} (a column, a
   * parameter): its lock is granted in {@code pg_locks}. Reading it takes no lock, so it never keeps a restarting
   * process from claiming its name.
   */
  public static String alive(String node) {
    return "EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2"
        + " AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())"
        + " AND l.classid = " + SCHEMA_KEY + "::oid AND l.objid = hashtext(" + node + ")::oid)";
  }
}
