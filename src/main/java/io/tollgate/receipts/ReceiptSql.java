package io.tollgate.receipts;

import io.tollgate.json.Json;
import io.tollgate.store.Dialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** SQL for receipts. The receipt is stored whole as JSON beside the columns it is searched by. */
public final class ReceiptSql {
  private ReceiptSql() {}

  /** The columns a later receipt of the same request replaces. */
  private static final String REPLACE = " DO UPDATE SET account_id = excluded.account_id, project_id = excluded.project_id,"
      + " key_id = excluded.key_id, created_at = excluded.created_at, model = excluded.model, outcome = excluded.outcome,"
      + " body = excluded.body, charged = excluded.charged, transfer_id = excluded.transfer_id, cost = excluded.cost,"
      + " route_type = excluded.route_type, bucket = excluded.bucket";

  /**
   * Inserts the receipt of a request that charged nothing. It replaces an uncharged receipt written for the request
   * before (the provisional one of a request failing over, {@link Receipt#provisional}), never a charged one: a request
   * has one receipt, and the charged one, journaled with its posting, replaces any other when its projection comes
   * ({@link #project}).
   */
  public static void insert(Connection c, Receipt r) throws SQLException {
    write(c, r, Json.write(r), " ON CONFLICT (id)" + REPLACE + " WHERE receipts.charged = 0");
  }

  /**
   * Writes the receipt a posting journaled, {@code body} its JSON as {@link Json#write} gave it: it is the request's
   * receipt, and replaces any other written for the same request meanwhile. A duplicate never fails the projection.
   */
  public static void project(Connection c, Receipt r, String body) throws SQLException {
    write(c, r, body, " ON CONFLICT (id)" + REPLACE);
  }

  /**
   * {@link #project} for every receipt journaled with {@code postings} (their annotations: the receipt's JSON, and
   * the receipt itself while the process that journaled it has it), in one batched statement.
   */
  public static void projectAll(Connection c, java.util.List<io.tollgate.ledger.journal.Journaled> postings)
      throws SQLException {
    if (postings.isEmpty()) {
      return;
    }
    try (PreparedStatement s = c.prepareStatement(INSERT + " ON CONFLICT (id)" + REPLACE)) {
      for (io.tollgate.ledger.journal.Journaled j : postings) {
        Receipt r = j.annotated() instanceof Receipt kept ? kept : Json.read(j.annotation(), Receipt.class);
        bind(s, r, j.annotation());
        s.addBatch();
      }
      s.executeBatch();
    }
  }

  private static final String INSERT = "INSERT INTO receipts (id, account_id, project_id, key_id, created_at,"
      + " model, outcome, body, charged, transfer_id, cost, route_type, bucket) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

  private static void write(Connection c, Receipt r, String body, String onConflict) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(INSERT + onConflict)) {
      bind(s, r, body);
      s.executeUpdate();
    }
  }

  private static void bind(PreparedStatement s, Receipt r, String body) throws SQLException {
    s.setString(1, r.id());
    s.setString(2, r.accountId());
    s.setString(3, r.projectId());
    s.setString(4, r.keyId());
    s.setLong(5, r.createdAtMs());
    s.setString(6, r.requestedModel());
    s.setString(7, r.outcome());
    s.setString(8, body);
    s.setInt(9, r.charged() ? 1 : 0);
    s.setString(10, r.transferId());
    if (r.costMicros() == null) {
      s.setNull(11, java.sql.Types.INTEGER);
    } else {
      s.setLong(11, r.costMicros());
    }
    s.setString(12, r.routeType());
    s.setString(13, r.bucket());
  }

  /** Marks a settled receipt whose answer never reached its client ({@code delivery: failed}). */
  public static void markUndelivered(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("UPDATE receipts SET body = "
        + io.tollgate.store.Dialect.jsonSetString(c, "body", "delivery") + " WHERE id = ?")) {
      s.setString(1, Receipt.DELIVERY_FAILED);
      s.setString(2, id);
      s.executeUpdate();
    }
  }

  public static Optional<Receipt> byId(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT body FROM receipts WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(Json.read(rs.getString(1), Receipt.class)) : Optional.empty();
      }
    }
  }

  /**
   * The receipts created in {@code [fromMs, toMs)}, as a usage report reads them; {@code projectId} null for every
   * project (admin).
   */
  public static void usageRows(Connection c, long fromMs, long toMs, String projectId,
      java.util.function.Consumer<UsageReport.Row> into) throws SQLException {
    String sql = "SELECT created_at, project_id, key_id, model, route_type, bucket, charged,"
        + " " + Dialect.jsonLong(c, "body", "usage.prompt_tokens") + ", " + Dialect.jsonLong(c, "body", "usage.completion_tokens") + ","
        + " " + Dialect.jsonLong(c, "body", "charged_micros") + " FROM receipts WHERE created_at >= ? AND created_at < ?"
        + (projectId == null ? "" : " AND project_id = ?");
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setLong(1, fromMs);
      s.setLong(2, toMs);
      if (projectId != null) {
        s.setString(3, projectId);
      }
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          into.accept(new UsageReport.Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
              rs.getString(5), rs.getString(6), rs.getInt(7) == 1, rs.getLong(8), rs.getLong(9), rs.getLong(10)));
        }
      }
    }
  }

  /**
   * Newest first, narrowed by {@code filter}. {@code projectId} null lists every project (admin); {@code before} is
   * the id to page after.
   */
  public static List<Receipt> page(Connection c, String projectId, ReceiptFilter filter, String before, int limit)
      throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT body FROM receipts WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    if (projectId != null) {
      sql.append(" AND project_id = ?");
      args.add(projectId);
    }
    sql.append(filter.where(args));
    if (before != null) {
      sql.append(" AND id < ?");
      args.add(before);
    }
    sql.append(" ORDER BY id DESC LIMIT ?");
    args.add(limit);
    List<Receipt> out = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(sql.toString())) {
      for (int i = 0; i < args.size(); i++) {
        Object arg = args.get(i);
        if (arg instanceof String text) {
          s.setString(i + 1, text);
        } else if (arg instanceof Integer n) {
          s.setInt(i + 1, n);
        } else {
          s.setLong(i + 1, (Long) arg);
        }
      }
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(Json.read(rs.getString(1), Receipt.class));
        }
      }
    }
    return out;
  }
}
