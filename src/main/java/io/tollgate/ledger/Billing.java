package io.tollgate.ledger;

import io.tollgate.config.Bucket;
import io.tollgate.http.ApiException;
import io.tollgate.json.Ids;
import io.tollgate.json.Json;
import io.tollgate.receipts.Receipt;
import io.tollgate.receipts.ReceiptSql;
import io.tollgate.store.StoreAccess;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.Map;
import java.util.function.Function;

/**
 * The ledger on the request path. Each step is one task for the group-commit writer: a hold is durable before
 * the upstream call, and a charge is written in the same transaction as the receipt that explains it.
 */
public final class Billing {
  private final StoreAccess store;
  private final Clock clock;

  public Billing(StoreAccess store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** A hold that was taken. */
  public record Ticket(String id, String walletId, Bucket bucket, long amountMicros) {}

  /** Reserves {@code amountMicros} on the account's {@code bucket} wallet, or fails with 402 insufficient_balance. */
  public Future<Ticket> hold(HoldContext context, Bucket bucket, long amountMicros, long ttlMs) {
    long now = clock.millis();
    String walletId = LedgerIds.wallet(context.accountId(), bucket);
    HoldSql.HoldRow row = new HoldSql.HoldRow(Ids.next("hold", now), walletId, bucket, amountMicros, "pending",
        context.requestId(), Json.write(context), now, now + ttlMs);
    return store.write(c -> HoldSql.take(c, row, context.accountId())).compose(refused -> {
      if (refused != null) {
        return Future.failedFuture(insufficient(bucket, refused, amountMicros, context));
      }
      return Future.succeededFuture(new Ticket(row.id(), walletId, bucket, amountMicros));
    });
  }

  public Future<Void> voidHold(Ticket ticket, String resolution) {
    return store.write(c -> {
      HoldSql.voidHold(c, ticket.id(), resolution, clock.millis());
      return null;
    });
  }

  /**
   * Posts the hold at {@code costMicros} and inserts the receipt built from the result, in one transaction.
   * Returns null as the posted result when the hold had already ended (it is then not charged again).
   */
  public Future<HoldSql.Posted> settle(Ticket ticket, long costMicros, String requestId, Function<HoldSql.Posted, Receipt> receipt) {
    return store.write(c -> {
      HoldSql.Posted posted = HoldSql.post(c, ticket.id(), costMicros, requestId, clock.millis());
      ReceiptSql.insert(c, receipt.apply(posted));
      return posted;
    });
  }

  /** Inserts a receipt for a request that charged nothing. */
  public Future<Void> record(Receipt receipt) {
    return store.write(c -> {
      ReceiptSql.insert(c, receipt);
      return null;
    });
  }

  private static ApiException insufficient(Bucket bucket, LedgerSql.WalletRow wallet, long needed, HoldContext context) {
    String message = "Insufficient balance in the " + bucket + " wallet: " + Money.format(Math.max(0, wallet.available()), bucket)
        + " available, this request may cost up to " + Money.format(needed, bucket) + " on its " + context.routeType()
        + " route (" + context.upstreamModel() + " via " + context.channel() + "). Top up the " + bucket
        + " wallet or lower max_tokens. Nothing was charged. Receipt: " + context.requestId();
    return new ApiException(402, "insufficient_quota", "insufficient_balance", null, message,
        Map.of("x-tollgate-balance-bucket", bucket.name(),
            "x-tollgate-balance-available", Long.toString(Math.max(0, wallet.available())),
            "x-tollgate-amount-needed", Long.toString(needed)));
  }
}
