package io.tollgate.pricing;

import com.fasterxml.jackson.core.type.TypeReference;
import io.tollgate.json.Json;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;

/** {@link OutputStats} kept in the store's settings, one row, so a restart does not forget what was measured. */
public final class OutputStatsSql {
  private static final String SETTING = "output_stats";

  private OutputStatsSql() {}

  public static void save(Connection c, OutputStats stats) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value")) {
      s.setString(1, SETTING);
      s.setString(2, Json.write(stats.state()));
      s.executeUpdate();
    }
  }

  public static void load(Connection c, OutputStats stats) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT value FROM settings WHERE name = ?")) {
      s.setString(1, SETTING);
      try (ResultSet rs = s.executeQuery()) {
        if (rs.next()) {
          stats.restore(Json.read(rs.getString(1), new TypeReference<Map<String, long[]>>() {}));
        }
      }
    }
  }
}
