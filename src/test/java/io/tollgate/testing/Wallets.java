package io.tollgate.testing;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.LedgerIds;
import io.tollgate.ledger.LedgerSql;
import io.tollgate.ledger.LedgerVerifier;
import io.tollgate.store.Store;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

/** Reads money state straight from the store, for assertions. */
public final class Wallets {
  private Wallets() {}

  public static LedgerSql.WalletRow wallet(Store store, String accountId, Bucket bucket) {
    return store.read(c -> LedgerSql.wallet(c, LedgerIds.wallet(accountId, bucket)));
  }

  public static long balance(Store store, String accountId, Bucket bucket) {
    return wallet(store, accountId, bucket).balance();
  }

  /** The sum of every charge transfer in {@code bucket}. */
  public static long charged(Store store, Bucket bucket) {
    return scalar(store, "SELECT COALESCE(SUM(amount), 0) FROM transfers WHERE kind = 'charge' AND bucket = '" + bucket + "'");
  }

  public static long count(Store store, String sql) {
    return scalar(store, sql);
  }

  public static long scalar(Store store, String sql) {
    return store.read(c -> {
      try (PreparedStatement s = c.prepareStatement(sql); ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }

  /** Runs one statement on the writer, as a test's way to break the store on purpose. */
  public static void execute(Store store, String sql) {
    store.writeNow(c -> {
      try (java.sql.Statement s = c.createStatement()) {
        s.execute(sql);
      }
      return null;
    });
  }

  /** Asserts-style helper: the verifier's report, failing loudly with its text. */
  public static void assertVerified(Store store, long nowMs) {
    LedgerVerifier.Report report = LedgerVerifier.verify(store, nowMs);
    if (!report.ok()) {
      throw new AssertionError("ledger verify failed:\n" + report.text());
    }
  }
}
