package io.tollgate.auth;

import io.tollgate.json.Json;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** SQL for API keys. */
public final class KeySql {
  private static final String SELECT = "SELECT k.id, k.project_id, p.account_id, k.name, k.prefix, k.secret_hash,"
      + " k.scope, k.created_at, k.revoked_at, k.expires_at FROM api_keys k JOIN projects p ON p.id = k.project_id";

  private KeySql() {}

  public static void insert(Connection c, ApiKey key) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO api_keys"
        + " (id, project_id, name, prefix, secret_hash, scope, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      s.setString(1, key.id());
      s.setString(2, key.projectId());
      s.setString(3, key.name());
      s.setString(4, key.prefix());
      s.setBytes(5, key.secretHash());
      s.setString(6, Json.write(ScopeJson.of(key.scope())));
      s.setLong(7, key.createdAtMs());
      if (key.expiresAtMs() == null) {
        s.setNull(8, java.sql.Types.INTEGER);
      } else {
        s.setLong(8, key.expiresAtMs());
      }
      s.executeUpdate();
    }
  }

  public static Optional<ApiKey> byPrefix(Connection c, String prefix) throws SQLException {
    return one(c, SELECT + " WHERE k.prefix = ?", prefix);
  }

  public static Optional<ApiKey> byId(Connection c, String id) throws SQLException {
    return one(c, SELECT + " WHERE k.id = ?", id);
  }

  /** Keys of one project, or all keys when {@code projectId} is null. */
  public static List<ApiKey> list(Connection c, String projectId) throws SQLException {
    String sql = SELECT + (projectId == null ? "" : " WHERE k.project_id = ?") + " ORDER BY k.id";
    List<ApiKey> out = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(sql)) {
      if (projectId != null) {
        s.setString(1, projectId);
      }
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(key(rs));
        }
      }
    }
    return out;
  }

  /** Marks the key revoked; returns false when no such live key exists. */
  public static boolean revoke(Connection c, String id, long atMs) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")) {
      s.setLong(1, atMs);
      s.setString(2, id);
      return s.executeUpdate() == 1;
    }
  }

  public static boolean updateScope(Connection c, String id, KeyScope scope) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("UPDATE api_keys SET scope = ? WHERE id = ?")) {
      s.setString(1, Json.write(ScopeJson.of(scope)));
      s.setString(2, id);
      return s.executeUpdate() == 1;
    }
  }

  private static Optional<ApiKey> one(Connection c, String sql, String arg) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, arg);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(key(rs)) : Optional.empty();
      }
    }
  }

  private static ApiKey key(ResultSet rs) throws SQLException {
    long revoked = rs.getLong(9);
    Long revokedAt = rs.wasNull() ? null : revoked;
    long expires = rs.getLong(10);
    Long expiresAt = rs.wasNull() ? null : expires;
    return new ApiKey(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
        rs.getBytes(6), Json.read(rs.getString(7), ScopeJson.class).toScope(), rs.getLong(8), revokedAt, expiresAt);
  }

}
