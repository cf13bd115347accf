package io.tollgate.ledger;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.LedgerIds.SystemAccount;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;

/**
 * Reading the ledger's projections (wallets, transfers), and creating a wallet's rows for the journal's projector.
 * Balances are moved only by the accounting core's events, through the journal (see {@code ledger.journal}).
 */
public final class LedgerSql {
  private LedgerSql() {}

  /** A wallet's state. */
  public record WalletRow(String id, long balance, long held, long overdraft) {
    public long available() {
      return io.tollgate.ledger.core.AccountingCore.available(balance, overdraft, held);
    }
  }

  /** Creates the customer wallet and the bucket's system accounts when missing. */
  public static void ensureWallet(Connection c, String accountId, Bucket bucket, long nowMs) throws SQLException {
    ensure(c, LedgerIds.wallet(accountId, bucket), accountId, bucket, "customer", nowMs);
    for (SystemAccount kind : SystemAccount.values()) {
      ensure(c, LedgerIds.system(kind, bucket), "system", bucket, kind.wireName(), nowMs);
    }
  }

  private static void ensure(Connection c, String id, String owner, Bucket bucket, String kind, long nowMs) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO ledger_accounts (id, owner, bucket, kind, created_at)"
        + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING")) {
      s.setString(1, id);
      s.setString(2, owner);
      s.setString(3, bucket.name());
      s.setString(4, kind);
      s.setLong(5, nowMs);
      s.executeUpdate();
    }
  }

  public static WalletRow wallet(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT balance, held, overdraft FROM ledger_accounts WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? new WalletRow(id, rs.getLong(1), rs.getLong(2), rs.getLong(3)) : new WalletRow(id, 0, 0, 0);
      }
    }
  }

  public static boolean exists(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM ledger_accounts WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next();
      }
    }
  }

  public static Transfer transfer(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT id, kind, bucket, debit_account, credit_account, amount,"
        + " request_id, note, details, created_at FROM transfers WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        return new Transfer(rs.getString(1), Transfer.Kind.valueOf(rs.getString(2).toUpperCase(Locale.ROOT)),
            Bucket.valueOf(rs.getString(3)), rs.getString(4), rs.getString(5), rs.getLong(6), rs.getString(7),
            rs.getString(8), rs.getString(9), rs.getLong(10));
      }
    }
  }
}
