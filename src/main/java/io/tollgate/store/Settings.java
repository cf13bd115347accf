package io.tollgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/** The store's {@code settings} table: one text value per name, for state that is neither a tenant's nor the ledger's. */
public final class Settings {
  private Settings() {}

  public static void put(Connection c, String name, String value) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value")) {
      s.setString(1, name);
      s.setString(2, value);
      s.executeUpdate();
    }
  }

  public static Optional<String> get(Connection c, String name) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT value FROM settings WHERE name = ?")) {
      s.setString(1, name);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }
}
