package io.tollgate.ledger;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.LedgerIds.SystemAccount;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;

/**
 * The ledger's SQL. Every method runs inside the single writer's transaction, so the read-check-write steps
 * below are atomic: nothing else writes between them.
 */
public final class LedgerSql {
  private LedgerSql() {}

  /** A wallet's state. */
  public record WalletRow(String id, long balance, long held, long overdraft) {
    public long available() {
      return balance + overdraft - held;
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

  public static void setOverdraft(Connection c, String walletId, long overdraftMicros) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("UPDATE ledger_accounts SET overdraft = ? WHERE id = ?")) {
      s.setLong(1, overdraftMicros);
      s.setString(2, walletId);
      if (s.executeUpdate() != 1) {
        throw new LedgerException(LedgerException.Reason.NOT_FOUND, "no wallet " + walletId);
      }
    }
  }

  /**
   * Records {@code t}. A transfer with the same id that is identical is a replay and returns false; one that
   * differs is a conflict. A customer wallet may not be debited below its available balance.
   *
   * @return true when recorded now, false when it had been recorded before
   */
  public static boolean apply(Connection c, Transfer t) throws SQLException {
    // a charge's id is its request's, and only a pending hold is posted: it cannot be a replay, so skip the look-up
    Transfer existing = t.kind() == Transfer.Kind.CHARGE ? null : transfer(c, t.id());
    if (existing != null) {
      boolean same = existing.kind() == t.kind() && existing.bucket() == t.bucket()
          && existing.debitAccount().equals(t.debitAccount()) && existing.creditAccount().equals(t.creditAccount())
          && existing.amountMicros() == t.amountMicros()
          && java.util.Objects.equals(existing.details(), t.details());
      if (!same) {
        throw new LedgerException(LedgerException.Reason.CONFLICT,
            "transfer '" + t.id() + "' was already recorded with different details");
      }
      return false;
    }
    try (PreparedStatement s = c.prepareStatement("UPDATE ledger_accounts SET balance = balance - ? WHERE id = ?"
        + " AND (kind <> 'customer' OR balance + overdraft - held >= ?)")) {
      s.setLong(1, t.amountMicros());
      s.setString(2, t.debitAccount());
      s.setLong(3, t.amountMicros());
      if (s.executeUpdate() != 1) {
        WalletRow row = wallet(c, t.debitAccount());
        throw new LedgerException(LedgerException.Reason.INSUFFICIENT_FUNDS, "wallet " + t.debitAccount()
            + " has " + row.available() + " micro-units available, " + t.amountMicros() + " needed");
      }
    }
    recordDebited(c, t, null);
    return true;
  }

  /**
   * The rest of {@link #apply} once the debit side's balance has been moved by the caller (a charge releases its
   * hold and debits in one update): credits the other side, records the transfer and both entries.
   *
   * @param debitBalanceAfter the debited account's balance after the debit, or null to read it
   */
  static void recordDebited(Connection c, Transfer t, Long debitBalanceAfter) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("UPDATE ledger_accounts SET balance = balance + ? WHERE id = ?"
        + " AND balance <= 9223372036854775807 - ?")) {
      s.setLong(1, t.amountMicros());
      s.setString(2, t.creditAccount());
      s.setLong(3, t.amountMicros());
      if (s.executeUpdate() != 1) {
        if (!exists(c, t.creditAccount())) {
          throw new LedgerException(LedgerException.Reason.NOT_FOUND, "no ledger account " + t.creditAccount());
        }
        throw new LedgerException(LedgerException.Reason.INVALID, "crediting " + t.amountMicros() + " micro-units would overflow "
            + t.creditAccount());
      }
    }
    try (PreparedStatement s = c.prepareStatement("INSERT INTO transfers (id, kind, bucket, debit_account, credit_account,"
        + " amount, request_id, note, details, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      s.setString(1, t.id());
      s.setString(2, t.kind().wireName());
      s.setString(3, t.bucket().name());
      s.setString(4, t.debitAccount());
      s.setString(5, t.creditAccount());
      s.setLong(6, t.amountMicros());
      s.setString(7, t.requestId());
      s.setString(8, t.note());
      s.setString(9, t.details());
      s.setLong(10, t.createdAtMs());
      s.executeUpdate();
    }
    entries(c, t, debitBalanceAfter);
  }

  private static final String ENTRY_ROW = "(?, ?, ?, COALESCE(?, (SELECT balance FROM ledger_accounts WHERE id = ?)), ?, ?)";

  /**
   * Inserts the transfer's debit and credit entries in one statement, debit first. Each entry's balance is
   * read from its account (already moved) unless the caller knows it.
   */
  private static void entries(Connection c, Transfer t, Long debitBalanceAfter) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO entries (transfer_id, account_id, amount, balance_after,"
        + " request_id, created_at) VALUES " + ENTRY_ROW + ", " + ENTRY_ROW)) {
      bindEntry(s, 0, t, t.debitAccount(), -t.amountMicros(), debitBalanceAfter);
      bindEntry(s, 7, t, t.creditAccount(), t.amountMicros(), null);
      s.executeUpdate();
    }
  }

  private static void bindEntry(PreparedStatement s, int at, Transfer t, String accountId, long amount, Long balanceAfter)
      throws SQLException {
    s.setString(at + 1, t.id());
    s.setString(at + 2, accountId);
    s.setLong(at + 3, amount);
    if (balanceAfter == null) {
      s.setNull(at + 4, java.sql.Types.INTEGER);
    } else {
      s.setLong(at + 4, balanceAfter);
    }
    s.setString(at + 5, accountId);
    s.setString(at + 6, t.requestId());
    s.setLong(at + 7, t.createdAtMs());
  }

  static boolean exists(Connection c, String id) throws SQLException {
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
