package io.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
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
}
