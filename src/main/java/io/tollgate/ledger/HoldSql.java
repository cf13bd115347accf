package io.tollgate.ledger;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.LedgerIds.SystemAccount;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Two-phase holds in SQL. Taking a hold raises the wallet's {@code held} only if the available balance covers
 * it, in one conditional update; posting releases the hold and charges the actual amount in one transaction.
 */
public final class HoldSql {
  private HoldSql() {}

  /** A hold as stored. {@code context} is the JSON recovery needs to write the request's receipt. */
  public record HoldRow(String id, String walletId, Bucket bucket, long amount, String status, String requestId,
      String context, long createdAtMs, long expiresAtMs, String reservations) {}

  /** What posting a hold did. {@code uncollectedMicros} is cost beyond what the wallet could pay. */
  public record Posted(long chargedMicros, long uncollectedMicros, long balanceBefore, long balanceAfter, String transferId) {}

  /** Takes the hold, or returns the wallet's state when the available balance does not cover it. */
  public static LedgerSql.WalletRow take(Connection c, HoldRow hold, String accountId) throws SQLException {
    if (!reserve(c, hold)) {
      // the usual reason is too little money; a wallet that does not exist yet is created and asked once more
      if (LedgerSql.exists(c, hold.walletId())) {
        return LedgerSql.wallet(c, hold.walletId());
      }
      LedgerSql.ensureWallet(c, accountId, hold.bucket(), hold.createdAtMs());
      if (!reserve(c, hold)) {
        return LedgerSql.wallet(c, hold.walletId());
      }
    }
    try (PreparedStatement s = c.prepareStatement("INSERT INTO holds (id, wallet_id, bucket, amount, status, request_id,"
        + " context, created_at, expires_at, reservations) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)")) {
      s.setString(1, hold.id());
      s.setString(2, hold.walletId());
      s.setString(3, hold.bucket().name());
      s.setLong(4, hold.amount());
      s.setString(5, hold.requestId());
      s.setString(6, hold.context());
      s.setLong(7, hold.createdAtMs());
      s.setLong(8, hold.expiresAtMs());
      s.setString(9, hold.reservations());
      s.executeUpdate();
    }
    return null;
  }

  private static boolean reserve(Connection c, HoldRow hold) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("UPDATE ledger_accounts SET held = held + ?"
        + " WHERE id = ? AND balance + overdraft - held >= ?")) {
      s.setLong(1, hold.amount());
      s.setString(2, hold.walletId());
      s.setLong(3, hold.amount());
      return s.executeUpdate() == 1;
    }
  }

  /** Voids a pending hold; returns false when it had already ended. */
  public static boolean voidHold(Connection c, String holdId, String resolution, long nowMs) throws SQLException {
    HoldRow hold = pending(c, holdId);
    if (hold == null) {
      return false;
    }
    release(c, hold);
    try (PreparedStatement s = c.prepareStatement("UPDATE holds SET status = 'voided', resolution = ?, resolved_at = ?"
        + " WHERE id = ?")) {
      s.setString(1, resolution);
      s.setLong(2, nowMs);
      s.setString(3, holdId);
      s.executeUpdate();
    }
    return true;
  }

  /**
   * Posts a pending hold at {@code actualMicros}: releases the hold and charges the actual cost to revenue.
   * Cost beyond what the wallet can pay (only when usage exceeded the hold) is charged as far as the balance
   * allows and reported as uncollected. Returns null when the hold had already ended.
   */
  public static Posted post(Connection c, String holdId, long actualMicros, String requestId, long nowMs) throws SQLException {
    String walletId;
    Bucket bucket;
    long held;
    LedgerSql.WalletRow wallet;
    // only what posting needs: the hold's context and reservations are for recovery, and are not read here
    try (PreparedStatement s = c.prepareStatement("SELECT h.wallet_id, h.bucket, h.amount, a.balance, a.held, a.overdraft"
        + " FROM holds h JOIN ledger_accounts a ON a.id = h.wallet_id WHERE h.id = ? AND h.status = 'pending'")) {
      s.setString(1, holdId);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        walletId = rs.getString(1);
        bucket = Bucket.valueOf(rs.getString(2));
        held = rs.getLong(3);
        wallet = new LedgerSql.WalletRow(walletId, rs.getLong(4), rs.getLong(5), rs.getLong(6));
      }
    }
    // what the wallet can pay once this hold is released: never below zero beyond its overdraft
    long available = wallet.balance() + wallet.overdraft() - (wallet.held() - held);
    long charge = Math.min(actualMicros, Math.max(0, available));
    try (PreparedStatement s = c.prepareStatement("UPDATE ledger_accounts SET held = held - ?, balance = balance - ? WHERE id = ?")) {
      s.setLong(1, held);
      s.setLong(2, charge);
      s.setString(3, walletId);
      s.executeUpdate();
    }
    String transferId = null;
    if (charge > 0) {
      transferId = "charge:" + requestId;
      LedgerSql.recordDebited(c, new Transfer(transferId, Transfer.Kind.CHARGE, bucket, walletId,
          LedgerIds.system(SystemAccount.REVENUE, bucket), charge, requestId, null, null, nowMs),
          wallet.balance() - charge);
    }
    try (PreparedStatement s = c.prepareStatement("UPDATE holds SET status = ?, posted_amount = ?, transfer_id = ?,"
        + " resolution = 'settled', resolved_at = ? WHERE id = ?")) {
      s.setString(1, charge > 0 ? "posted" : "voided");
      s.setLong(2, charge);
      s.setString(3, transferId);
      s.setLong(4, nowMs);
      s.setString(5, holdId);
      s.executeUpdate();
    }
    return new Posted(charge, actualMicros - charge, wallet.balance(), wallet.balance() - charge, transferId);
  }


  public static List<HoldRow> pendingHolds(Connection c) throws SQLException {
    List<HoldRow> out = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(SELECT + " WHERE status = 'pending' ORDER BY created_at");
        ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        out.add(row(rs));
      }
    }
    return out;
  }

  private static final String SELECT = "SELECT id, wallet_id, bucket, amount, status, request_id, context, created_at,"
      + " expires_at, reservations FROM holds";

  private static HoldRow pending(Connection c, String holdId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(SELECT + " WHERE id = ? AND status = 'pending'")) {
      s.setString(1, holdId);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? row(rs) : null;
      }
    }
  }

  private static void release(Connection c, HoldRow hold) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("UPDATE ledger_accounts SET held = held - ? WHERE id = ?")) {
      s.setLong(1, hold.amount());
      s.setString(2, hold.walletId());
      s.executeUpdate();
    }
  }

  private static HoldRow row(ResultSet rs) throws SQLException {
    return new HoldRow(rs.getString(1), rs.getString(2), Bucket.valueOf(rs.getString(3)), rs.getLong(4),
        rs.getString(5), rs.getString(6), rs.getString(7), rs.getLong(8), rs.getLong(9), rs.getString(10));
  }
}
