package io.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the migrations leave behind: the b-trees a request writes, and the plans the hot reads use. */
class SchemaTest {
  @TempDir
  Path dir;

  private static List<String> rows(Store store, String sql) {
    return store.read(c -> {
      List<String> out = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement(sql); ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(rs.getMetaData().getColumnCount()));
        }
      }
      return out;
    });
  }

  @Test
  void receiptsHaveNoIndexOnTheirTransferAndOnlyPendingHoldsAreIndexed() {
    try (Store store = Store.open(dir.resolve("t.db"))) {
      assertThat(rows(store, "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'receipts'"))
          .doesNotContain("receipts_by_transfer").contains("receipts_by_project");
      assertThat(rows(store, "SELECT sql FROM sqlite_schema WHERE name = 'holds_pending'"))
          .singleElement().asString().contains("WHERE status = 'pending'");
      // the checks and the sweeper that look for pending holds still find them through the index
      assertThat(rows(store, "EXPLAIN QUERY PLAN SELECT id FROM holds WHERE status = 'pending' AND expires_at < 5"))
          .anySatisfy(step -> assertThat(step).contains("holds_pending"));
    }
  }

  @Test
  void limitCountersAreKeyedWithoutASeparateIndexAndKeepTheirRows() {
    try (Store store = Store.open(dir.resolve("t.db"))) {
      assertThat(rows(store, "SELECT sql FROM sqlite_schema WHERE name = 'limit_usage'"))
          .singleElement().asString().contains("WITHOUT ROWID");
      assertThat(rows(store, "SELECT name FROM sqlite_schema WHERE tbl_name = 'limit_usage' AND type = 'index'")).isEmpty();
      store.writeNow(c -> {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO limit_usage (counter_key, spent, updated_at) VALUES ('k', 7, 1)")) {
          s.executeUpdate();
        }
        return null;
      });
    }
    try (Store reopened = Store.open(dir.resolve("t.db"))) {
      assertThat(rows(reopened, "SELECT spent FROM limit_usage WHERE counter_key = 'k'")).containsExactly("7");
    }
  }

  @Test
  void aChargeWritesNoSequenceRowAndNoTransferIndexByRequest() {
    try (Store store = Store.open(dir.resolve("t.db"))) {
      assertThat(rows(store, "SELECT sql FROM sqlite_schema WHERE name = 'entries'"))
          .singleElement().asString().contains("seq           INTEGER PRIMARY KEY,").doesNotContainIgnoringCase("AUTOINCREMENT");
      assertThat(rows(store, "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name IN ('transfers', 'entries')"))
          .containsExactly("sqlite_autoindex_transfers_1", "entries_by_account");
    }
  }

  @Test
  void version5KeepsEveryEntryAndItsOrder() throws Exception {
    Path file = dir.resolve("v4.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
      for (int version = 1; version <= 4; version++) {
        for (String part : resource("db/sqlite/V" + version + ".sql").split(";\\s*(\\r?\\n|$)")) {
          if (!part.isBlank()) {
            s.execute(part);
          }
        }
      }
      s.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)");
      s.execute("INSERT INTO schema_version VALUES (4)");
      s.execute("INSERT INTO ledger_accounts (id, owner, bucket, kind, created_at) VALUES ('a', 'o', 'RMB', 'customer', 1),"
          + " ('b', 'system', 'RMB', 'revenue', 1)");
      s.execute("INSERT INTO transfers (id, kind, bucket, debit_account, credit_account, amount, created_at)"
          + " VALUES ('t1', 'charge', 'RMB', 'a', 'b', 5, 1)");
      s.execute("INSERT INTO entries (transfer_id, account_id, amount, balance_after, created_at) VALUES"
          + " ('t1', 'a', -5, -5, 1), ('t1', 'b', 5, 5, 1)");
      // a gap at the top of the sequence, as a rolled-back insert would leave
      s.execute("UPDATE sqlite_sequence SET seq = 10 WHERE name = 'entries'");
    }
    try (Store store = Store.open(file)) {
      assertThat(rows(store, "SELECT seq || ' ' || account_id || ' ' || amount FROM entries ORDER BY seq"))
          .containsExactly("1 a -5", "2 b 5");
      store.writeNow(c -> {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO entries (transfer_id, account_id, amount,"
            + " balance_after, created_at) VALUES ('t1', 'a', 0, -5, 2)")) {
          insert.executeUpdate();
        }
        return null;
      });
      assertThat(rows(store, "SELECT MAX(seq) FROM entries")).containsExactly("3");
      assertThat(rows(store, "SELECT COUNT(*) FROM sqlite_sequence WHERE name = 'entries'")).containsExactly("0");
    }
  }

  /** A database at schema version 5, before stores were marked, holding {@code accounts} (id, name) and transfers. */
  private Path version5(String name, List<String[]> accounts, List<String> transferIds) throws Exception {
    Path file = dir.resolve(name);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
      for (int version = 1; version <= 5; version++) {
        for (String part : resource("db/sqlite/V" + version + ".sql").split(";\\s*(\\r?\\n|$)")) {
          if (!part.isBlank()) {
            s.execute(part);
          }
        }
      }
      s.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)");
      s.execute("INSERT INTO schema_version VALUES (5)");
      s.execute("INSERT INTO ledger_accounts (id, owner, bucket, kind, created_at) VALUES ('w', 'o', 'RMB', 'customer', 1),"
          + " ('src', 'system', 'RMB', 'topup_source', 1)");
      for (String[] account : accounts) {
        s.execute("INSERT INTO accounts (id, name, created_at) VALUES ('" + account[0] + "', '" + account[1] + "', 1)");
      }
      for (String id : transferIds) {
        s.execute("INSERT INTO transfers (id, kind, bucket, debit_account, credit_account, amount, created_at)"
            + " VALUES ('" + id + "', 'topup', 'RMB', 'src', 'w', 5, 1)");
      }
    }
    return file;
  }

  @Test
  void aNewDatabaseIsNotTheDemosUntilMarked() {
    try (Store store = Store.open(dir.resolve("t.db"))) {
      assertThat(store.isDemo()).isFalse();
      store.markDemo();
      assertThat(store.isDemo()).isTrue();
    }
    try (Store reopened = Store.openReadOnly(dir.resolve("t.db"))) {
      assertThat(reopened.isDemo()).isTrue();
    }
  }

  @Test
  void version6MarksADatabaseOnlyAnEarlierDemoUsedAsTheDemos() throws Exception {
    Path demoOnly = version5("demo.db", List.<String[]>of(new String[] {"acct_d", "demo"}),
        List.of("topup:acct_d:demo-initial-credit", "topup:acct_d:demo-initial-rmb"));
    Path shared = version5("shared.db", List.of(new String[] {"acct_d", "demo"}, new String[] {"acct_r", "Acme"}),
        List.of("topup:acct_d:demo-initial-credit", "topup:acct_r:first"));
    Path real = version5("real.db", List.<String[]>of(new String[] {"acct_r", "demo"}), List.of("topup:acct_r:first"));

    try (Store store = Store.open(demoOnly)) {
      assertThat(store.isDemo()).as("only the demo's account, funded by the demo").isTrue();
    }
    try (Store store = Store.open(shared)) {
      assertThat(store.isDemo()).as("a real account beside the demo's: left to the operator").isFalse();
    }
    try (Store store = Store.open(real)) {
      assertThat(store.isDemo()).as("an account merely named demo").isFalse();
    }
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = SchemaTest.class.getClassLoader().getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
