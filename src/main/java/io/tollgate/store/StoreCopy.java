package io.tollgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Copies an embedded store into an empty PostgreSQL one, row for row, in one transaction of the target: every table of
 * the source (its journal, snapshots and projections included), parents before the rows that refer to them. Nothing
 * is computed on the way; the caller verifies the copy (same balances, receipts and journal, ledger verify on both).
 */
public final class StoreCopy {
  /** Tables in an order that respects their foreign keys; a table not named here is copied after these. */
  private static final List<String> ORDER = List.of("accounts", "projects", "api_keys", "settings", "store_info",
      "ledger_accounts", "transfers", "entries", "holds", "price_versions", "redeem_codes", "idempotency", "receipts",
      "limits", "limit_usage", "journal", "journal_snapshots", "journal_projection");
  /** Sequences that must continue after the copied rows' own ids. */
  private static final Map<String, String> SERIALS = Map.of("entries", "seq", "price_versions", "id");

  private StoreCopy() {}

  /** Rows copied, by table, in the order they were copied. */
  public static Map<String, Long> copy(Store from, Store to) {
    if (from.kind() != Store.Kind.SQLITE || to.kind() != Store.Kind.POSTGRES) {
      throw new IllegalArgumentException("copy: from " + from.kind() + " to " + to.kind() + " (expected: sqlite to postgres)");
    }
    String occupied = to.read(StoreCopy::occupied);
    if (occupied != null) {
      throw new StoreException("the target database " + to.describe() + " is not empty (" + occupied + "); migrate copies"
          + " into an empty database only: create a new database (or schema) and name it in --to", null);
    }
    return to.writeNow(target -> from.read(source -> {
      Map<String, Long> copied = new LinkedHashMap<>();
      for (String table : tables(source)) {
        copied.put(table, copyTable(source, target, table));
      }
      for (Map.Entry<String, String> serial : SERIALS.entrySet()) {
        try (PreparedStatement s = target.prepareStatement("SELECT setval(pg_get_serial_sequence('" + serial.getKey()
            + "', '" + serial.getValue() + "'), COALESCE((SELECT MAX(" + serial.getValue() + ") FROM " + serial.getKey()
            + "), 0) + 1, false)")) {
          s.execute();
        }
      }
      return copied;
    }));
  }

  /** What makes the target non-empty, or null when it has no tenants, ledger or journal yet. */
  private static String occupied(Connection c) throws SQLException {
    List<String> found = new ArrayList<>();
    for (String table : List.of("accounts", "ledger_accounts", "journal", "journal_snapshots", "receipts", "settings")) {
      try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM " + table); ResultSet rs = s.executeQuery()) {
        rs.next();
        if (rs.getLong(1) > 0) {
          found.add(rs.getLong(1) + " row(s) in " + table);
        }
      }
    }
    return found.isEmpty() ? null : String.join(", ", found);
  }

  private static List<String> tables(Connection source) throws SQLException {
    List<String> present = new ArrayList<>();
    try (PreparedStatement s = source.prepareStatement("SELECT name FROM sqlite_schema WHERE type = 'table'"
        + " AND name NOT LIKE 'sqlite_%' AND name <> 'schema_version' ORDER BY name"); ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        present.add(rs.getString(1));
      }
    }
    List<String> ordered = new ArrayList<>();
    for (String table : ORDER) {
      if (present.remove(table)) {
        ordered.add(table);
      }
    }
    ordered.addAll(present);
    return ordered;
  }

  private static long copyTable(Connection source, Connection target, String table) throws SQLException {
    if (table.equals("journal_projection")) {
      // the target's migration made its one row; it takes the source's position
      try (PreparedStatement read = source.prepareStatement("SELECT seq FROM journal_projection WHERE id = 1");
          ResultSet rs = read.executeQuery();
          PreparedStatement write = target.prepareStatement("UPDATE journal_projection SET seq = ? WHERE id = 1")) {
        write.setLong(1, rs.next() ? rs.getLong(1) : 0);
        write.executeUpdate();
        return 1;
      }
    }
    long rows = 0;
    try (PreparedStatement read = source.prepareStatement("SELECT * FROM " + table); ResultSet rs = read.executeQuery()) {
      ResultSetMetaData meta = rs.getMetaData();
      int n = meta.getColumnCount();
      StringBuilder columns = new StringBuilder();
      StringBuilder marks = new StringBuilder();
      for (int i = 1; i <= n; i++) {
        columns.append(i > 1 ? ", " : "").append('"').append(meta.getColumnName(i)).append('"');
        marks.append(i > 1 ? ", " : "").append('?');
      }
      try (PreparedStatement write = target.prepareStatement("INSERT INTO " + table + " (" + columns + ") VALUES (" + marks + ")")) {
        int[] types = targetTypes(write, n);
        while (rs.next()) {
          for (int i = 1; i <= n; i++) {
            Object value = rs.getObject(i);
            if (value == null) {
              write.setNull(i, types[i - 1]);
            } else if (types[i - 1] == java.sql.Types.BIGINT || types[i - 1] == java.sql.Types.INTEGER) {
              write.setLong(i, rs.getLong(i));
            } else if (types[i - 1] == java.sql.Types.BINARY || types[i - 1] == java.sql.Types.VARBINARY) {
              write.setBytes(i, rs.getBytes(i));
            } else {
              write.setString(i, rs.getString(i));
            }
          }
          write.addBatch();
          if (++rows % 1_000 == 0) {
            write.executeBatch();
          }
        }
        write.executeBatch();
      }
    }
    return rows;
  }

  private static int[] targetTypes(PreparedStatement write, int n) throws SQLException {
    java.sql.ParameterMetaData meta = write.getParameterMetaData();
    int[] types = new int[n];
    for (int i = 1; i <= n; i++) {
      types[i - 1] = meta.getParameterType(i);
    }
    return types;
  }

  /**
   * What differs between two stores' balances (every ledger account's balance, held amount and overdraft) and receipts
   * (every receipt's row): empty when a copy is faithful.
   */
  public static List<String> differences(Store a, Store b) {
    List<String> out = new ArrayList<>();
    compare(out, "ledger account", a.read(c -> rows(c, "SELECT id, balance, held, overdraft FROM ledger_accounts")),
        b.read(c -> rows(c, "SELECT id, balance, held, overdraft FROM ledger_accounts")), a, b);
    String receipts = "SELECT id, account_id, project_id, key_id, created_at, model, outcome, charged, transfer_id, cost,"
        + " route_type, bucket, body FROM receipts";
    compare(out, "receipt", a.read(c -> rows(c, receipts)), b.read(c -> rows(c, receipts)), a, b);
    return out;
  }

  private static void compare(List<String> out, String what, Map<String, String> left, Map<String, String> right,
      Store a, Store b) {
    for (Map.Entry<String, String> e : left.entrySet()) {
      String other = right.get(e.getKey());
      if (!e.getValue().equals(other)) {
        out.add(what + " " + e.getKey() + ": " + e.getValue() + " in " + a.describe() + ", " + (other == null ? "missing"
            : other) + " in " + b.describe());
      }
    }
    for (String key : right.keySet()) {
      if (!left.containsKey(key)) {
        out.add(what + " " + key + ": missing in " + a.describe() + ", present in " + b.describe());
      }
    }
  }

  /** Each row as its first column (the key) and the text of every column, in a map sorted by key. */
  private static Map<String, String> rows(Connection c, String sql) throws SQLException {
    Map<String, String> out = new java.util.TreeMap<>();
    try (PreparedStatement s = c.prepareStatement(sql); ResultSet rs = s.executeQuery()) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 1; i <= n; i++) {
          row.append(i > 1 ? " | " : "").append(rs.getString(i));
        }
        out.put(rs.getString(1), row.toString());
      }
    }
    return out;
  }
}
