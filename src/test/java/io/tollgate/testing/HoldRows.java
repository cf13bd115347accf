package io.tollgate.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** A hold's row as the projections left it, for tests that read the database as a reader would. */
public final class HoldRows {
  private HoldRows() {}

  /** The projected status of {@code holdId} (pending, posted, voided), or null when no row projects it yet. */
  public static String status(Connection c, String holdId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT status FROM holds WHERE id = ?")) {
      s.setString(1, holdId);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }
}
