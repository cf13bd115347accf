package io.tollgate.testing;

import io.tollgate.store.PostgresTarget;
import io.tollgate.store.Store;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;

/**
 * The PostgreSQL the tests run against: database {@code test} on 127.0.0.1:5432 with trust authentication, as
 * {@code .ci/run} starts it. Each test gets a schema of its own ({@link #freshSchema}), so tests run in parallel and
 * again; a test skips, saying why, when no PostgreSQL answers there.
 */
public final class Postgres {
  public static final String HOST_URL = "jdbc:postgresql://127.0.0.1:5432/test";
  private static final AtomicLong NEXT = new AtomicLong();
  private static volatile String user;

  private Postgres() {}

  /** The role that connects (postgres, else root); skips the calling test when PostgreSQL cannot be reached. */
  public static String user() {
    if (user == null) {
      SQLException last = null;
      for (String candidate : new String[] {"postgres", "root"}) {
        try (Connection c = connect(HOST_URL, candidate)) {
          user = candidate;
          break;
        } catch (SQLException e) {
          last = e;
        }
      }
      Assumptions.assumeTrue(user != null, "PostgreSQL is not reachable on 127.0.0.1:5432, database test (.ci/run starts"
          + " it): " + (last == null ? "" : last.getMessage()));
    }
    return user;
  }

  /** A new, empty schema, and the URL whose connections work in it. */
  public static String freshSchema(String purpose) {
    String schema = "t_" + purpose.toLowerCase().replaceAll("[^a-z0-9]", "_") + "_" + ProcessHandle.current().pid() + "_"
        + System.nanoTime() % 1_000_000_000L + "_" + NEXT.incrementAndGet();
    try (Connection c = connect(HOST_URL, user()); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create schema " + schema + ": " + e.getMessage(), e);
    }
    return HOST_URL + "?currentSchema=" + schema;
  }

  /** Drops the schema of {@code url} with everything in it. */
  public static void drop(String url) {
    String schema = url.substring(url.indexOf("currentSchema=") + "currentSchema=".length());
    try (Connection c = connect(HOST_URL, user()); Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (SQLException e) {
      // a schema left behind costs only space; the test's own outcome is what matters
    }
  }

  public static PostgresTarget target(String url, String node) {
    return new PostgresTarget(url, user(), null, 2, node);
  }

  public static Store open(String url, String node) {
    return Store.openPostgres(target(url, node));
  }

  public static Connection connect(String url) throws SQLException {
    return connect(url, user());
  }

  private static Connection connect(String url, String role) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", role);
    p.setProperty("connectTimeout", "3");
    return DriverManager.getConnection(url, p);
  }
}
