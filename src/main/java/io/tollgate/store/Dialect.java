package io.tollgate.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;

/**
 * The few SQL expressions that SQLite and PostgreSQL spell differently (reading and writing a field of a JSON text
 * column), chosen by the connection's engine. Everything else the stores run is written once, for both.
 */
public final class Dialect {
  private Dialect() {}

  public static boolean postgres(Connection c) throws SQLException {
    return c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).contains("postgres");
  }

  /** The text of the field at {@code path} (dot-separated) of the JSON in {@code column}; NULL when absent. */
  public static String jsonText(Connection c, String column, String path) throws SQLException {
    return postgres(c) ? "(" + column + "::jsonb #>> '{" + path.replace('.', ',') + "}')"
        : "json_extract(" + column + ", '$." + path + "')";
  }

  /** The integer at {@code path} of the JSON in {@code column}, 0 when absent. */
  public static String jsonLong(Connection c, String column, String path) throws SQLException {
    return postgres(c) ? "COALESCE(CAST(" + jsonText(c, column, path) + " AS BIGINT), 0)"
        : "COALESCE(" + jsonText(c, column, path) + ", 0)";
  }

  /** {@code column}'s JSON with the string field {@code field} set to the next parameter's value. */
  public static String jsonSetString(Connection c, String column, String field) throws SQLException {
    return postgres(c) ? "CAST(jsonb_set(" + column + "::jsonb, '{" + field + "}', to_jsonb(CAST(? AS TEXT))) AS TEXT)"
        : "json_set(" + column + ", '$." + field + "', ?)";
  }
}
