package io.tollgate.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Properties;

/**
 * Where a PostgreSQL store lives and who this process is on it.
 *
 * @param url a {@code jdbc:postgresql://} URL
 * @param user the role to connect as; null to leave it to the URL or the driver
 * @param password null for none (trust or peer authentication)
 * @param poolSize the readers' pool, at least 1; the writer has one connection of its own
 * @param node this process's name in the shared journal: unique among the gateways sharing the database. A process
 *     that restarts under the same name voids the holds it left open at once; under a new name its holds are voided
 *     by any process once they expire (docs/scale-out.md).
 */
public record PostgresTarget(String url, String user, String password, int poolSize, String node) {
  /** How long opening a connection may take before the database counts as unreachable. */
  static final int CONNECT_TIMEOUT_S = 3;
  /** How long one statement's answer may take before the connection counts as broken. */
  static final int SOCKET_TIMEOUT_S = 30;

  public PostgresTarget {
    Objects.requireNonNull(url, "url");
    if (!url.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("url: " + url + " (expected: jdbc:postgresql://HOST:PORT/DATABASE)");
    }
    if (poolSize < 1) {
      throw new IllegalArgumentException("poolSize: " + poolSize + " (expected: >= 1)");
    }
    Objects.requireNonNull(node, "node");
    if (node.isBlank() || node.length() > 100) {
      throw new IllegalArgumentException("node: '" + node + "' (expected: 1 to 100 characters)");
    }
  }

  /** The URL without its query string (which may carry a password): for messages and logs. */
  public String shown() {
    int query = url.indexOf('?');
    return query < 0 ? url : url.substring(0, query);
  }

  Properties properties() {
    Properties p = new Properties();
    if (user != null) {
      p.setProperty("user", user);
    }
    if (password != null) {
      p.setProperty("password", password);
    }
    p.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_S));
    p.setProperty("socketTimeout", Integer.toString(SOCKET_TIMEOUT_S));
    // a batch stays one statement per row (sent in one round trip): rewritten into one multi-row INSERT, two upserts of
    // one receipt in a projection batch would fail ("cannot affect row a second time"); docs/config.md warns against
    // setting it in the URL, which would win over this
    p.setProperty("reWriteBatchedInserts", "false");
    p.setProperty("ApplicationName", "tollgate " + node);
    return p;
  }

  Connection connect() throws SQLException {
    Connection c = DriverManager.getConnection(url, properties());
    try {
      // every statement of a write transaction must see what committed before it began, whatever the server's default
      // isolation: the journal's tail is read after the journal's lock is taken, in the same transaction
      c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
      return c;
    } catch (SQLException | RuntimeException e) {
      c.close();
      throw e;
    }
  }
}
