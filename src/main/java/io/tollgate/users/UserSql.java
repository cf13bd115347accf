package io.tollgate.users;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** SQL for console users. */
final class UserSql {
  private static final String SELECT = "SELECT id, account_id, email, role, created_at, disabled_at, session_epoch,"
      + " password_hash FROM console_users";

  /** A user with the stored hash, which stays in this package. */
  record Stored(User user, String passwordHash) {}

  private UserSql() {}

  static void insert(Connection c, User user, String passwordHash) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO console_users (id, account_id, email, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?, ?)")) {
      s.setString(1, user.id());
      s.setString(2, user.accountId());
      s.setString(3, user.email());
      s.setString(4, passwordHash);
      s.setString(5, user.role().wireName());
      s.setLong(6, user.createdAtMs());
      s.executeUpdate();
    }
  }

  static Optional<Stored> byEmail(Connection c, String email) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(SELECT + " WHERE email = ?")) {
      s.setString(1, email);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(new Stored(user(rs), rs.getString(8))) : Optional.empty();
      }
    }
  }

  static Optional<User> byId(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(SELECT + " WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(user(rs)) : Optional.empty();
      }
    }
  }

  /** Disables ({@code disabledAtMs} set) or enables (null) a user; disabling ends their sessions. */
  static boolean setDisabled(Connection c, String id, Long disabledAtMs) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("UPDATE console_users SET disabled_at = ?,"
        + " session_epoch = session_epoch + ? WHERE id = ?")) {
      if (disabledAtMs == null) {
        s.setNull(1, java.sql.Types.BIGINT);
      } else {
        s.setLong(1, disabledAtMs);
      }
      s.setInt(2, disabledAtMs == null ? 0 : 1);
      s.setString(3, id);
      return s.executeUpdate() == 1;
    }
  }

  /** A new password hash; ends the user's sessions. */
  static boolean setPassword(Connection c, String id, String passwordHash) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("UPDATE console_users SET password_hash = ?,"
        + " session_epoch = session_epoch + 1 WHERE id = ?")) {
      s.setString(1, passwordHash);
      s.setString(2, id);
      return s.executeUpdate() == 1;
    }
  }

  static List<User> list(Connection c, String accountId) throws SQLException {
    List<User> out = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(SELECT + (accountId == null ? "" : " WHERE account_id = ?") + " ORDER BY email")) {
      if (accountId != null) {
        s.setString(1, accountId);
      }
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(user(rs));
        }
      }
    }
    return out;
  }

  private static User user(ResultSet rs) throws SQLException {
    rs.getLong(6);
    boolean disabled = !rs.wasNull();
    return new User(rs.getString(1), rs.getString(2), rs.getString(3), Role.fromWire(rs.getString(4)), rs.getLong(5),
        disabled, rs.getLong(7));
  }
}
