package io.tollgate.tenants;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** SQL for accounts and projects. */
public final class TenantSql {
  private TenantSql() {}

  public static Account insertAccount(Connection c, Account account) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)")) {
      s.setString(1, account.id());
      s.setString(2, account.name());
      s.setLong(3, account.createdAtMs());
      s.executeUpdate();
    }
    return account;
  }

  public static Optional<Account> account(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT id, name, created_at FROM accounts WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(new Account(rs.getString(1), rs.getString(2), rs.getLong(3))) : Optional.empty();
      }
    }
  }

  public static List<Account> accounts(Connection c) throws SQLException {
    List<Account> out = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT id, name, created_at FROM accounts ORDER BY id");
        ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        out.add(new Account(rs.getString(1), rs.getString(2), rs.getLong(3)));
      }
    }
    return out;
  }

  public static Project insertProject(Connection c, Project project) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO projects (id, account_id, name, created_at) VALUES (?, ?, ?, ?)")) {
      s.setString(1, project.id());
      s.setString(2, project.accountId());
      s.setString(3, project.name());
      s.setLong(4, project.createdAtMs());
      s.executeUpdate();
    }
    return project;
  }

  public static Optional<Project> project(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT id, account_id, name, created_at FROM projects WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(project(rs)) : Optional.empty();
      }
    }
  }

  /** Projects of one account, or of all accounts when {@code accountId} is null. */
  public static List<Project> projects(Connection c, String accountId) throws SQLException {
    String sql = "SELECT id, account_id, name, created_at FROM projects"
        + (accountId == null ? "" : " WHERE account_id = ?") + " ORDER BY id";
    List<Project> out = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(sql)) {
      if (accountId != null) {
        s.setString(1, accountId);
      }
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(project(rs));
        }
      }
    }
    return out;
  }

  private static Project project(ResultSet rs) throws SQLException {
    return new Project(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4));
  }
}
