package io.tollgate.ledger;

import io.tollgate.json.Json;
import io.tollgate.ledger.core.Voided;
import io.tollgate.receipts.Receipt;
import io.tollgate.receipts.ReceiptListener;
import io.tollgate.receipts.ReceiptSql;
import io.tollgate.receipts.Usage;
import io.tollgate.store.Store;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves holds that no request will settle any more, by the rule in docs/billing.md: a hold left open by a
 * crash or restart is voided (nothing is charged, since the gateway cannot prove what the upstream produced),
 * and its request gets an {@code interrupted} receipt if it had none. A hold past its TTL is voided the same way.
 */
public final class HoldRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(HoldRecovery.class);

  /** How many request ids a recovery line names; the count always says how many there were. */
  static final int LOGGED_IDS = 20;

  /**
   * What resolving did.
   *
   * @param requestIds the requests whose holds were voided
   * @param receipts the {@code interrupted} receipts written for those that had none
   */
  public record Resolved(List<String> requestIds, List<Receipt> receipts) {
    public int count() {
      return requestIds.size();
    }
  }

  private HoldRecovery() {}

  /**
   * Resolves every pending hold; for start-up, before the gateway takes requests. Returns how many. Only the process
   * that owns the database file ({@link Store#open}, an exclusive lock) may run it: every hold it finds was then
   * left by a process that has stopped, never one another process is still serving. On a store shared by several
   * processes (PostgreSQL) only the holds this node appended before its restart are resolved here; the others' end by
   * their expiry ({@link #expire}, docs/scale-out.md). {@code receipts} hears of each receipt written, after the commit.
   */
  public static int recoverAll(Store store, Accountant accountant, long nowMs, ReceiptListener receipts) {
    if (!store.writable()) {
      throw new IllegalStateException("hold recovery on " + store.describe() + ": the store is open read-only"
          + " (expected: Store.open, which makes this process the file's only owner)");
    }
    Resolved resolved = store.writeNow(c -> receipts(c, accountant.resolve(null).run(c), "recovered_on_startup", nowMs));
    if (resolved.count() > 0) {
      LOG.warn("crash recovery: voided {} hold(s) left open by an earlier stop; their requests were not charged and"
          + " have 'interrupted' receipts: {}", resolved.count(), named(resolved.requestIds()));
    }
    resolved.receipts().forEach(receipts::recorded);
    return resolved.count();
  }

  /**
   * Writer work: voids the pending holds whose TTL has passed, as a live gateway does periodically, and writes their
   * requests' receipts; the caller logs them after the commit.
   */
  public static io.tollgate.store.SqlWork<Resolved> expire(Accountant accountant, long nowMs) {
    return c -> receipts(c, accountant.resolve(nowMs).run(c), "expired", nowMs);
  }

  /** The first {@value #LOGGED_IDS} ids, and how many more: a line stays readable after a crash under load. */
  static String named(List<String> ids) {
    String shown = String.join(", ", ids.subList(0, Math.min(ids.size(), LOGGED_IDS)));
    return ids.size() <= LOGGED_IDS ? shown : shown + " and " + (ids.size() - LOGGED_IDS) + " more";
  }

  private static Resolved receipts(Connection c, List<Voided> voided, String resolution, long nowMs) throws SQLException {
    List<String> ids = new ArrayList<>();
    List<Receipt> receipts = new ArrayList<>();
    for (Voided v : voided) {
      ids.add(v.requestId());
      java.util.Optional<Receipt> existing = ReceiptSql.byId(c, v.requestId());
      if (existing.isEmpty() || existing.get().provisional()) {
        // a request that had failed over keeps the attempts its provisional receipt lists, before the one in flight
        HoldSql.HoldRow hold = HoldSql.byId(c, v.holdId());
        Receipt receipt = interrupted(Json.read(hold.context(), HoldContext.class), hold, resolution, nowMs,
            existing.map(Receipt::attempts).orElse(List.of()));
        ReceiptSql.insert(c, receipt);
        receipts.add(receipt);
      }
    }
    return new Resolved(List.copyOf(ids), List.copyOf(receipts));
  }

  private static Receipt interrupted(HoldContext ctx, HoldSql.HoldRow hold, String resolution, long nowMs,
      List<io.tollgate.receipts.Attempt> earlier) {
    return new Receipt(ctx.requestId(), ctx.createdAtMs(), ctx.accountId(), ctx.projectId(), ctx.keyId(), ctx.endpoint(),
        ctx.model(), ctx.routeType(), ctx.stream(), "interrupted", 0, "hold_" + resolution, ctx.leg(), ctx.channel(),
        ctx.upstreamModel(), !"primary".equals(ctx.leg()), null, earlier,
        new Usage(ctx.promptTokens(), 0, 0, "recovered"), hold.bucket().name(), null, null, hold.amount(), null,
        false, 0L, null, null, null, null, nowMs - ctx.createdAtMs(), null, null, null,
        ctx.run());
  }
}
