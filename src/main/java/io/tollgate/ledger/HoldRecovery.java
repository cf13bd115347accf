package io.tollgate.ledger;

import io.tollgate.json.Json;
import io.tollgate.receipts.Receipt;
import io.tollgate.receipts.ReceiptSql;
import io.tollgate.receipts.Usage;
import io.tollgate.store.Store;
import java.sql.Connection;
import java.sql.SQLException;
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

  private HoldRecovery() {}

  /**
   * Resolves every pending hold; for start-up, before the gateway takes requests. Returns how many. Only the process
   * that owns the database file ({@link Store#open}, an exclusive lock) may run it: every hold it finds was then
   * left by a process that has stopped, never one another process is still serving.
   */
  public static int recoverAll(Store store, long nowMs) {
    if (!store.writable()) {
      throw new IllegalStateException("hold recovery on " + store.file() + ": the store is open read-only"
          + " (expected: Store.open, which makes this process the file's only owner)");
    }
    int resolved = store.writeNow(c -> resolve(c, HoldSql.pendingHolds(c), "recovered_on_startup", nowMs));
    if (resolved > 0) {
      LOG.warn("voided {} hold(s) left open by an earlier stop; their requests were not charged", resolved);
    }
    return resolved;
  }

  /**
   * Resolves pending holds whose TTL has passed; run periodically by a live gateway on the writer thread.
   * {@code released} is told each voided hold, so limit counters give back what it reserved.
   */
  public static int expire(Connection c, long nowMs, java.util.function.Consumer<HoldSql.HoldRow> released) throws SQLException {
    List<HoldSql.HoldRow> expired = HoldSql.pendingHolds(c).stream().filter(h -> h.expiresAtMs() < nowMs).toList();
    int count = resolve(c, expired, "expired", nowMs);
    expired.forEach(released);
    return count;
  }

  private static int resolve(Connection c, List<HoldSql.HoldRow> holds, String resolution, long nowMs) throws SQLException {
    int count = 0;
    for (HoldSql.HoldRow hold : holds) {
      if (!HoldSql.voidHold(c, hold.id(), resolution, nowMs)) {
        continue;
      }
      count++;
      if (!ReceiptSql.exists(c, hold.requestId())) {
        ReceiptSql.insert(c, interrupted(Json.read(hold.context(), HoldContext.class), hold, resolution, nowMs));
      }
    }
    return count;
  }

  private static Receipt interrupted(HoldContext ctx, HoldSql.HoldRow hold, String resolution, long nowMs) {
    return new Receipt(ctx.requestId(), ctx.createdAtMs(), ctx.accountId(), ctx.projectId(), ctx.keyId(), ctx.endpoint(),
        ctx.model(), ctx.routeType(), ctx.stream(), "interrupted", 0, "hold_" + resolution, ctx.leg(), ctx.channel(),
        ctx.upstreamModel(), !"primary".equals(ctx.leg()), null, List.of(),
        new Usage(ctx.promptTokens(), 0, 0, "recovered"), hold.bucket().name(), null, null, hold.amount(), null,
        false, 0L, null, null, null, null, nowMs - ctx.createdAtMs(), null, null, null);
  }
}
