package io.tollgate.ledger;

import io.tollgate.config.Bucket;
import io.tollgate.json.Json;
import io.tollgate.ledger.LedgerIds.SystemAccount;
import io.tollgate.store.Store;
import io.tollgate.tenants.TenantSql;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Money movements an operator or a customer asks for: top-ups, adjustments, explicit conversions between
 * buckets, and reading wallets and entries. Blocking; admin calls run it on a worker.
 */
public final class Ledger {
  private final Store store;
  private final Clock clock;
  private final Accountant accountant;

  public Ledger(Accountant accountant) {
    this.accountant = accountant;
    this.store = accountant.store();
    this.clock = accountant.clock();
  }

  /** The result of a money movement: the transfer(s) and whether this call recorded them or replayed them. */
  public record Movement(List<String> transferIds, boolean replayed, Map<String, Long> balancesAfter) {}

  /** A wallet as its owner sees it. */
  public record WalletView(String bucket, String currency, long balanceMicros, long heldMicros, long availableMicros, long overdraftMicros) {}

  /** One line of a wallet's history. */
  public record EntryView(long seq, String transferId, String kind, long amountMicros, long balanceAfterMicros,
      String requestId, String note, long createdAtMs) {}

  public Movement topUp(String accountId, Bucket bucket, long amountMicros, String idempotencyKey, String note) {
    requireKey(idempotencyKey);
    requireAmount(amountMicros);
    String id = "topup:" + accountId + ":" + idempotencyKey;
    return store.writeNow(accountant.move((c, core, journal) -> {
      requireAccount(c, accountId);
      Transfer would = new Transfer(id, Transfer.Kind.TOPUP, bucket, LedgerIds.system(SystemAccount.TOPUP_SOURCE, bucket),
          LedgerIds.wallet(accountId, bucket), amountMicros, null, note, null, clock.millis());
      if (recorded(c, would)) {
        return new Movement(List.of(id), true, Map.of(bucket.name(), core.walletState(accountId, bucket).balanceMicros()));
      }
      journal.append(moved(() -> core.topUp(id, accountId, bucket, amountMicros)), annotation(note, null));
      return new Movement(List.of(id), false, Map.of(bucket.name(), core.walletState(accountId, bucket).balanceMicros()));
    }));
  }

  /** A signed correction: positive credits the wallet, negative debits it (never below its available balance). */
  public Movement adjust(String accountId, Bucket bucket, long signedMicros, String idempotencyKey, String note) {
    requireKey(idempotencyKey);
    if (signedMicros == 0) {
      throw new LedgerException(LedgerException.Reason.INVALID, "an adjustment of 0 changes nothing");
    }
    requireAmount(Math.abs(signedMicros));
    String id = "adjustment:" + accountId + ":" + idempotencyKey;
    return store.writeNow(accountant.move((c, core, journal) -> {
      requireAccount(c, accountId);
      String wallet = LedgerIds.wallet(accountId, bucket);
      String system = LedgerIds.system(SystemAccount.ADJUSTMENT, bucket);
      Transfer would = new Transfer(id, Transfer.Kind.ADJUSTMENT, bucket, signedMicros > 0 ? system : wallet,
          signedMicros > 0 ? wallet : system, Math.abs(signedMicros), null, note, null, clock.millis());
      if (recorded(c, would)) {
        return new Movement(List.of(id), true, Map.of(bucket.name(), core.walletState(accountId, bucket).balanceMicros()));
      }
      journal.append(moved(() -> core.adjust(id, accountId, bucket, signedMicros)), annotation(note, null));
      return new Movement(List.of(id), false, Map.of(bucket.name(), core.walletState(accountId, bucket).balanceMicros()));
    }));
  }

  /**
   * Whether {@code would} was recorded before: an identical transfer with its id is a replay (true); one that
   * differs is a conflict.
   */
  static boolean recorded(Connection c, Transfer would) throws SQLException {
    Transfer existing = LedgerSql.transfer(c, would.id());
    if (existing == null) {
      return false;
    }
    boolean same = existing.kind() == would.kind() && existing.bucket() == would.bucket()
        && existing.debitAccount().equals(would.debitAccount()) && existing.creditAccount().equals(would.creditAccount())
        && existing.amountMicros() == would.amountMicros()
        && java.util.Objects.equals(existing.details(), would.details());
    if (!same) {
      throw new LedgerException(LedgerException.Reason.CONFLICT,
          "transfer '" + would.id() + "' was already recorded with different details");
    }
    return true;
  }

  /** The event of a movement the core made, or the ledger's error for a refusal or an amount it cannot take. */
  static io.tollgate.ledger.core.LedgerEvent moved(java.util.function.Supplier<? extends Object> decide) {
    Object outcome;
    try {
      outcome = decide.get();
    } catch (IllegalArgumentException e) {
      throw new LedgerException(LedgerException.Reason.INVALID, e.getMessage());
    }
    if (outcome instanceof io.tollgate.ledger.core.BalanceRefused refused) {
      throw new LedgerException(LedgerException.Reason.INSUFFICIENT_FUNDS, "wallet " + LedgerIds.wallet(refused.accountId(),
          refused.bucket()) + " has " + refused.availableMicros() + " micro-units available, " + refused.neededMicros() + " needed");
    }
    return (io.tollgate.ledger.core.LedgerEvent) outcome;
  }

  /** What a movement's transfer row says beside the event: its note and details. */
  static String annotation(String note, String details) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    if (note != null) {
      out.put("note", note);
    }
    if (details != null) {
      out.put("details", details);
    }
    return out.isEmpty() ? null : Json.write(out);
  }

  /**
   * Moves value between buckets at an explicit rate: {@code amountMicros} leaves the {@code from} wallet and
   * {@code floor(amount x rate)} arrives in the {@code to} wallet, through the conversion system accounts, with
   * the rate recorded on both transfers. This is the only way value crosses buckets.
   */
  public Movement convert(String accountId, Bucket from, Bucket to, long amountMicros, BigDecimal rate, String idempotencyKey, String note) {
    requireKey(idempotencyKey);
    if (from == to) {
      throw new LedgerException(LedgerException.Reason.INVALID, "from and to are the same bucket (" + from + ")");
    }
    requireAmount(amountMicros);
    if (rate.signum() <= 0) {
      throw new LedgerException(LedgerException.Reason.INVALID, "rate: " + rate.toPlainString() + " (expected: > 0)");
    }
    long arriving;
    try {
      arriving = new BigDecimal(amountMicros).multiply(rate).setScale(0, RoundingMode.FLOOR).longValueExact();
    } catch (ArithmeticException e) {
      throw new LedgerException(LedgerException.Reason.INVALID, "amount x rate (" + amountMicros + " x " + rate.toPlainString()
          + ") cannot be represented; check the rate");
    }
    if (arriving > Money.MAX_MOVEMENT_MICROS) {
      throw new LedgerException(LedgerException.Reason.INVALID, "the converted amount " + arriving + " exceeds the largest single movement");
    }
    if (arriving <= 0) {
      throw new LedgerException(LedgerException.Reason.INVALID, "the converted amount rounds to 0");
    }
    // a sorted map: the details must serialize identically on every retry for the replay check to hold
    String details = Json.write(new java.util.TreeMap<>(Map.of("rate", rate.stripTrailingZeros().toPlainString(),
        "from", from.name(), "to", to.name(), "from_micros", amountMicros, "to_micros", arriving)));
    String base = "conversion:" + accountId + ":" + idempotencyKey;
    return store.writeNow(accountant.move((c, core, journal) -> {
      requireAccount(c, accountId);
      long now = clock.millis();
      Transfer out = new Transfer(base + ":out", Transfer.Kind.CONVERSION, from, LedgerIds.wallet(accountId, from),
          LedgerIds.system(SystemAccount.CONVERSION, from), amountMicros, null, note, details, now);
      boolean replay = recorded(c, out);
      if (!replay) {
        journal.append(moved(() -> core.convert(base + ":out", accountId, from, -amountMicros)), annotation(note, details));
        journal.append(moved(() -> core.convert(base + ":in", accountId, to, arriving)), annotation(note, details));
      }
      return new Movement(List.of(out.id(), base + ":in"), replay, Map.of(
          from.name(), core.walletState(accountId, from).balanceMicros(),
          to.name(), core.walletState(accountId, to).balanceMicros()));
    }));
  }

  /**
   * Sets how far below zero a wallet may go. The new overdraft must cover what the wallet already uses, its
   * balance less what its pending holds reserve: {@code balance + overdraft - held >= 0}. A lower one is refused,
   * naming the lowest allowed; it would leave a balance below zero beyond its overdraft (which {@code ledger verify}
   * reports) or pending holds that could not be posted in full. Checked and written in one writer task, so no hold
   * or charge lands in between.
   */
  public void setOverdraft(String accountId, Bucket bucket, long overdraftMicros) {
    store.writeNow(accountant.move((c, core, journal) -> {
      requireAccount(c, accountId);
      io.tollgate.ledger.core.OverdraftOutcome outcome;
      try {
        outcome = core.setOverdraft(accountId, bucket, overdraftMicros);
      } catch (IllegalArgumentException e) {
        throw new LedgerException(LedgerException.Reason.INVALID, e.getMessage());
      }
      if (outcome instanceof io.tollgate.ledger.core.OverdraftOutcome.TooLow low) {
        var wallet = core.walletState(accountId, bucket);
        throw new LedgerException(LedgerException.Reason.OVERDRAFT_BELOW_BALANCE, "The " + bucket + " wallet of account "
            + accountId + " has a balance " + Money.format(wallet.balanceMicros(), bucket) + " with "
            + Money.format(wallet.heldMicros(), bucket) + " held by pending requests; an overdraft of "
            + Money.format(overdraftMicros, bucket) + " would not cover them (expected: balance + overdraft - held >= 0)."
            + " The lowest overdraft allowed now is " + Money.format(low.lowestMicros(), bucket) + " (overdraft_micros: "
            + low.lowestMicros() + "); it falls as pending requests end or the wallet is topped up.");
      }
      journal.append((io.tollgate.ledger.core.LedgerEvent) outcome, null);
      return null;
    }));
  }

  public List<WalletView> wallets(String accountId) {
    return store.read(c -> {
      requireAccount(c, accountId);
      List<WalletView> out = new ArrayList<>();
      for (Bucket bucket : Bucket.values()) {
        LedgerSql.WalletRow row = LedgerSql.wallet(c, LedgerIds.wallet(accountId, bucket));
        out.add(new WalletView(bucket.name(), bucket.currency(), row.balance(), row.held(), row.available(), row.overdraft()));
      }
      return out;
    });
  }

  /** Entries of one wallet, newest first, after the entry {@code beforeSeq} when given. */
  public List<EntryView> entries(String accountId, Bucket bucket, Long beforeSeq, int limit) {
    return store.read(c -> {
      List<EntryView> out = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement("SELECT e.seq, e.transfer_id, t.kind, e.amount, e.balance_after,"
          + " e.request_id, t.note, e.created_at FROM entries e JOIN transfers t ON t.id = e.transfer_id"
          + " WHERE e.account_id = ?" + (beforeSeq == null ? "" : " AND e.seq < ?") + " ORDER BY e.seq DESC LIMIT ?")) {
        int i = 1;
        s.setString(i++, LedgerIds.wallet(accountId, bucket));
        if (beforeSeq != null) {
          s.setLong(i++, beforeSeq);
        }
        s.setInt(i, limit);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            out.add(new EntryView(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5),
                rs.getString(6), rs.getString(7), rs.getLong(8)));
          }
        }
      }
      return out;
    });
  }

  private static void requireAccount(Connection c, String accountId) throws SQLException {
    if (TenantSql.account(c, accountId).isEmpty()) {
      throw new LedgerException(LedgerException.Reason.NOT_FOUND, "account '" + accountId + "' does not exist");
    }
  }

  private static void requireAmount(long micros) {
    if (micros <= 0 || micros > Money.MAX_MOVEMENT_MICROS) {
      throw new LedgerException(LedgerException.Reason.INVALID, "amount: " + micros + " micro-units (expected: > 0 and <= "
          + Money.MAX_MOVEMENT_MICROS + ")");
    }
  }

  private static void requireKey(String idempotencyKey) {
    if (idempotencyKey == null || idempotencyKey.isBlank() || idempotencyKey.length() > 200) {
      throw new LedgerException(LedgerException.Reason.INVALID,
          "idempotency_key is required (1 to 200 characters): it makes a retried money movement happen once");
    }
  }
}
