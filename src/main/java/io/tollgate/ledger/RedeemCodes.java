package io.tollgate.ledger;

import io.tollgate.auth.Secrets;
import io.tollgate.config.Bucket;
import io.tollgate.store.Store;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Redeemable codes: an operator creates one for a bucket, an amount, an expiry and a number of uses; a key's
 * account redeems it once. Codes are secrets, stored only as hashes.
 */
public final class RedeemCodes {
  private final Store store;
  private final Clock clock;
  private final Accountant accountant;

  public RedeemCodes(Accountant accountant) {
    this.accountant = accountant;
    this.store = accountant.store();
    this.clock = accountant.clock();
  }

  /** A created code: the only time the code itself is seen. */
  public record Created(String code, String prefix, Bucket bucket, long amountMicros, int maxUses, Long expiresAtMs) {}

  public Created create(Bucket bucket, long amountMicros, int maxUses, Long expiresAtMs) {
    if (maxUses < 1) {
      throw new LedgerException(LedgerException.Reason.INVALID, "uses: " + maxUses + " (expected: >= 1)");
    }
    if (expiresAtMs != null && expiresAtMs <= clock.millis()) {
      throw new LedgerException(LedgerException.Reason.INVALID, "expires_at_ms: " + expiresAtMs + " is already past");
    }
    String code = Secrets.newKey("tgr-").substring(0, 28);
    String prefix = code.substring(0, 10);
    store.writeNow(c -> {
      try (PreparedStatement s = c.prepareStatement("INSERT INTO redeem_codes (code_hash, prefix, bucket, amount, max_uses,"
          + " expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
        s.setString(1, hash(code));
        s.setString(2, prefix);
        s.setString(3, bucket.name());
        s.setLong(4, amountMicros);
        s.setInt(5, maxUses);
        if (expiresAtMs == null) {
          s.setNull(6, java.sql.Types.INTEGER);
        } else {
          s.setLong(6, expiresAtMs);
        }
        s.setLong(7, clock.millis());
        s.executeUpdate();
      }
      return null;
    });
    return new Created(code, prefix, bucket, amountMicros, maxUses, expiresAtMs);
  }

  /** Credits the code's amount to the account's wallet; redeeming the same code again replays the first result. */
  public Ledger.Movement redeem(String accountId, String code) {
    String hash = hash(code == null ? "" : code.trim());
    return store.writeNow(accountant.move((c, core, journal) -> {
      if (io.tollgate.tenants.TenantSql.account(c, accountId).isEmpty()) {
        throw new LedgerException(LedgerException.Reason.NOT_FOUND, "account '" + accountId + "' does not exist");
      }
      Bucket bucket;
      long amount;
      int uses;
      int maxUses;
      Long expiresAt;
      try (PreparedStatement s = c.prepareStatement("SELECT bucket, amount, uses, max_uses, expires_at, prefix"
          + " FROM redeem_codes WHERE code_hash = ?")) {
        s.setString(1, hash);
        try (ResultSet rs = s.executeQuery()) {
          if (!rs.next()) {
            throw new LedgerException(LedgerException.Reason.NOT_FOUND, "this redeem code does not exist");
          }
          bucket = Bucket.valueOf(rs.getString(1));
          amount = rs.getLong(2);
          uses = rs.getInt(3);
          maxUses = rs.getInt(4);
          long expires = rs.getLong(5);
          expiresAt = rs.wasNull() ? null : expires;
        }
      }
      String transferId = "redeem:" + hash.substring(0, 24) + ":" + accountId;
      if (LedgerSql.transfer(c, transferId) != null) {
        return new Ledger.Movement(List.of(transferId), true, Map.of(bucket.name(),
            core.walletState(accountId, bucket).balanceMicros()));
      }
      if (expiresAt != null && expiresAt <= clock.millis()) {
        throw new LedgerException(LedgerException.Reason.INVALID, "this redeem code has expired");
      }
      if (uses >= maxUses) {
        throw new LedgerException(LedgerException.Reason.INVALID, "this redeem code has been used up");
      }
      journal.append(Ledger.moved(() -> core.topUp(transferId, accountId, bucket, amount)),
          Ledger.annotation("redeem code " + code.substring(0, Math.min(10, code.length())), null));
      try (PreparedStatement s = c.prepareStatement("UPDATE redeem_codes SET uses = uses + 1 WHERE code_hash = ?")) {
        s.setString(1, hash);
        s.executeUpdate();
      }
      return new Ledger.Movement(List.of(transferId), false, Map.of(bucket.name(),
          core.walletState(accountId, bucket).balanceMicros()));
    }));
  }

  private static String hash(String code) {
    return HexFormat.of().formatHex(Secrets.sha256(code));
  }
}
