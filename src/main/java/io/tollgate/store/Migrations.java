package io.tollgate.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Applies the versioned schema files {@code db/<dialect>/V<n>.sql} in order, each in its own transaction,
 * recording the version reached in {@code schema_version}. Files are never edited once released; a change is a new file.
 */
final class Migrations {
  private Migrations() {}

  static void apply(Connection connection, String dialect) throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try (Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
      connection.commit();
      int current = currentVersion(connection);
      for (int version = current + 1; ; version++) {
        String sql = resource("db/" + dialect + "/V" + version + ".sql");
        if (sql == null) {
          break;
        }
        for (String part : sql.split(";\\s*(\\r?\\n|$)")) {
          if (!part.isBlank()) {
            statement.execute(part);
          }
        }
        statement.execute("DELETE FROM schema_version");
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO schema_version (version) VALUES (?)")) {
          insert.setInt(1, version);
          insert.executeUpdate();
        }
        connection.commit();
      }
    } catch (SQLException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }

  /** The newest version among the schema files of {@code dialect}. */
  static int latest(String dialect) {
    int version = 0;
    while (resource("db/" + dialect + "/V" + (version + 1) + ".sql") != null) {
      version++;
    }
    return version;
  }

  /** The version a database has reached; 0 for one never migrated. Reads only. */
  static int current(Connection connection) throws SQLException {
    boolean postgres = connection.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT).contains("postgres");
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(postgres ? "SELECT COUNT(*) FROM (SELECT to_regclass('schema_version') AS t) r WHERE t IS NOT NULL"
            : "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'")) {
      if (!rs.next() || rs.getInt(1) == 0) {
        return 0;
      }
    }
    return currentVersion(connection);
  }

  private static int currentVersion(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT MAX(version) FROM schema_version")) {
      return rs.next() ? rs.getInt(1) : 0;
    }
  }

  private static String resource(String name) {
    try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(name)) {
      return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new StoreException("cannot read migration " + name, e);
    }
  }
}
