package io.tollgate.ledger;

import io.tollgate.config.Bucket;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reading the holds projection: each hold the journal took, with the request context recovery needs to write its
 * request's receipt, and how it ended. Only the journal's projector writes it.
 */
public final class HoldSql {
  private HoldSql() {}

  /** A hold as projected. {@code context} is the JSON recovery needs to write the request's receipt. */
  public record HoldRow(String id, String walletId, Bucket bucket, long amount, String status, String requestId,
      String context, long createdAtMs, long expiresAtMs, String reservations) {}

  private static final String SELECT = "SELECT id, wallet_id, bucket, amount, status, request_id, context, created_at,"
      + " expires_at, reservations FROM holds";

  public static List<HoldRow> pendingHolds(Connection c) throws SQLException {
    List<HoldRow> out = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(SELECT + " WHERE status = 'pending' ORDER BY created_at");
        ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        out.add(row(rs));
      }
    }
    return out;
  }

  /** The hold with this id, or null. */
  public static HoldRow byId(Connection c, String holdId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(SELECT + " WHERE id = ?")) {
      s.setString(1, holdId);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? row(rs) : null;
      }
    }
  }

  private static HoldRow row(ResultSet rs) throws SQLException {
    return new HoldRow(rs.getString(1), rs.getString(2), Bucket.valueOf(rs.getString(3)), rs.getLong(4),
        rs.getString(5), rs.getString(6), rs.getString(7), rs.getLong(8), rs.getLong(9), rs.getString(10));
  }
}
