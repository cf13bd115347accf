package io.tollgate.limits;

import io.tollgate.config.Bucket;
import io.tollgate.config.RouteType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** SQL for stored limit definitions and per-counter usage. */
public final class LimitSql {
  private static final String SELECT = "SELECT id, scope, subject, model, route_type, metric, bucket, \"window\", cap, source FROM limits";

  private LimitSql() {}

  public static List<Limit> all(Connection c) throws SQLException {
    List<Limit> out = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(SELECT + " ORDER BY created_at, id"); ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        out.add(limit(rs));
      }
    }
    return out;
  }

  public static Optional<Limit> byId(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(SELECT + " WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(limit(rs)) : Optional.empty();
      }
    }
  }

  /**
   * Inserts {@code limit}, or replaces the cap of the limit of the same shape and the same source; returns the stored
   * one. An owner's limit and the operator's are separate rows.
   */
  public static Limit upsert(Connection c, Limit limit, long nowMs) throws SQLException {
    Optional<Limit> same = sameShape(c, limit);
    if (same.isPresent()) {
      try (PreparedStatement s = c.prepareStatement("UPDATE limits SET cap = ? WHERE id = ?")) {
        s.setLong(1, limit.cap());
        s.setString(2, same.get().id());
        s.executeUpdate();
      }
      return byId(c, same.get().id()).orElseThrow();
    }
    try (PreparedStatement s = c.prepareStatement("INSERT INTO limits (id, scope, subject, model, route_type, metric, bucket,"
        + " \"window\", cap, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      s.setString(1, limit.id());
      s.setString(2, limit.scope().wireName());
      s.setString(3, limit.subject());
      setNullable(s, 4, limit.model());
      setNullable(s, 5, limit.routeType() == null ? null : limit.routeType().wireName());
      s.setString(6, limit.metric().wireName());
      setNullable(s, 7, limit.bucket() == null ? null : limit.bucket().name());
      s.setString(8, limit.window().wireName());
      s.setLong(9, limit.cap());
      s.setString(10, limit.source());
      s.setLong(11, nowMs);
      s.executeUpdate();
    }
    return limit;
  }

  /** The stored limit of {@code limit}'s shape and source, if any. */
  public static Optional<Limit> sameShape(Connection c, Limit limit) throws SQLException {
    return sameShape(c, limit, limit.source());
  }

  /** The stored limit of {@code limit}'s shape set by {@code source} ({@code admin} or {@code owner}), if any. */
  public static Optional<Limit> sameShape(Connection c, Limit limit, String source) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(SELECT + " WHERE scope = ? AND subject = ? AND COALESCE(model, '') = ?"
        + " AND COALESCE(route_type, '') = ? AND metric = ? AND COALESCE(bucket, '') = ? AND \"window\" = ? AND source = ?")) {
      s.setString(8, source);
      s.setString(1, limit.scope().wireName());
      s.setString(2, limit.subject());
      s.setString(3, limit.model() == null ? "" : limit.model());
      s.setString(4, limit.routeType() == null ? "" : limit.routeType().wireName());
      s.setString(5, limit.metric().wireName());
      s.setString(6, limit.bucket() == null ? "" : limit.bucket().name());
      s.setString(7, limit.window().wireName());
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(limit(rs)) : Optional.empty();
      }
    }
  }

  public static boolean delete(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("DELETE FROM limits WHERE id = ?")) {
      s.setString(1, id);
      return s.executeUpdate() == 1;
    }
  }

  /** {@link #addSpent} for each counter of {@code usage} (its amount, then when), in one batched statement. */
  public static void addSpent(Connection c, Map<String, long[]> usage) throws SQLException {
    if (usage.isEmpty()) {
      return;
    }
    try (PreparedStatement s = c.prepareStatement(ADD_SPENT)) {
      for (Map.Entry<String, long[]> u : usage.entrySet()) {
        s.setString(1, u.getKey());
        s.setLong(2, u.getValue()[0]);
        s.setLong(3, u.getValue()[1]);
        s.addBatch();
      }
      s.executeBatch();
    }
  }

  private static final String ADD_SPENT = "INSERT INTO limit_usage (counter_key, spent, updated_at) VALUES (?, ?, ?)"
      + " ON CONFLICT (counter_key) DO UPDATE SET spent = limit_usage.spent + excluded.spent, updated_at = excluded.updated_at";

  /** Adds {@code amount} to a counter's persisted usage. */
  public static void addSpent(Connection c, String counter, long amount, long nowMs) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(ADD_SPENT)) {
      s.setString(1, counter);
      s.setLong(2, amount);
      s.setLong(3, nowMs);
      s.executeUpdate();
    }
  }

  /** Persisted usage of lifetime counters and of counters touched since {@code sinceMs}. */
  public static Map<String, Long> usage(Connection c, long sinceMs) throws SQLException {
    Map<String, Long> out = new HashMap<>();
    try (PreparedStatement s = c.prepareStatement("SELECT counter_key, spent FROM limit_usage"
        + " WHERE updated_at >= ? OR counter_key LIKE '%|all'")) {
      s.setLong(1, sinceMs);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), rs.getLong(2));
        }
      }
    }
    return out;
  }

  /** The reservations of every pending hold, as stored JSON. */
  public static List<String> pendingReservations(Connection c) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT reservations FROM holds WHERE status = 'pending' AND reservations IS NOT NULL");
        ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private static void setNullable(PreparedStatement s, int index, String value) throws SQLException {
    if (value == null) {
      s.setNull(index, Types.VARCHAR);
    } else {
      s.setString(index, value);
    }
  }

  private static Limit limit(ResultSet rs) throws SQLException {
    String routeType = rs.getString(5);
    String bucket = rs.getString(7);
    return new Limit(rs.getString(1), Scope.parse(rs.getString(2)), rs.getString(3), rs.getString(4),
        routeType == null ? null : RouteType.parse(routeType), null, Metric.parse(rs.getString(6)),
        bucket == null ? null : Bucket.valueOf(bucket), Window.parse(rs.getString(8)), rs.getLong(9), false, rs.getString(10));
  }
}
