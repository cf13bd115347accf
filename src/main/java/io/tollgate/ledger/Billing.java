package io.tollgate.ledger;

import io.tollgate.config.Bucket;
import io.tollgate.http.ApiException;
import io.tollgate.json.Ids;
import io.tollgate.json.Json;
import io.tollgate.limits.LimitRefusal;
import io.tollgate.limits.LimitRefusedException;
import io.tollgate.limits.Limits;
import io.tollgate.limits.Reservation;
import java.util.List;
import io.tollgate.receipts.Receipt;
import io.tollgate.receipts.ReceiptListener;
import io.tollgate.receipts.ReceiptSql;
import io.tollgate.store.StoreAccess;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger on the request path. Each step is one task for the group-commit writer: a hold is durable before
 * the upstream call, and a charge is written in the same transaction as the receipt that explains it.
 */
public final class Billing {
  private static final Logger LOG = LoggerFactory.getLogger(Billing.class);

  private final StoreAccess store;
  private final Limits limits;
  private final Clock clock;
  private final ReceiptListener receipts;

  public Billing(StoreAccess store, Limits limits, Clock clock) {
    this(store, limits, clock, ReceiptListener.NONE);
  }

  /** @param receipts told of each receipt this writes, once its transaction has committed */
  public Billing(StoreAccess store, Limits limits, Clock clock, ReceiptListener receipts) {
    this.store = store;
    this.limits = limits;
    this.clock = clock;
    this.receipts = java.util.Objects.requireNonNull(receipts, "receipts");
  }

  /** A hold that was taken, with the limit reservations taken in the same step. */
  public record Ticket(String id, String walletId, Bucket bucket, long amountMicros, List<Limits.Planned> limits) {
    List<Reservation> reservations() {
      return limits.stream().map(Limits.Planned::reservation).toList();
    }
  }

  /**
   * What settling did: the ledger result, the tightest limit afterwards as {@code [label, remaining]} (or null), and
   * how each limit's settled spend moved (for budget alerts).
   */
  public record Settled(HoldSql.Posted posted, String[] tightestLimit, List<Limits.Progress> progress) {}

  private record Taken(LimitRefusal limit, LedgerSql.WalletRow balance) {}

  /**
   * Reserves {@code amountMicros} on the account's {@code bucket} wallet and every planned limit, all or nothing,
   * in one writer task. Fails with {@link LimitRefusedException} or with 402 insufficient_balance.
   */
  public Future<Ticket> hold(HoldContext context, Bucket bucket, long amountMicros, long ttlMs, List<Limits.Planned> planned) {
    long now = clock.millis();
    String walletId = LedgerIds.wallet(context.accountId(), bucket);
    List<Reservation> reservations = planned.stream().map(Limits.Planned::reservation).toList();
    HoldSql.HoldRow row = new HoldSql.HoldRow(Ids.next("hold", now), walletId, bucket, amountMicros, "pending",
        context.requestId(), Json.write(context), now, now + ttlMs, Limits.reservationsJson(reservations));
    return store.write(c -> {
      LimitRefusal refusal = limits.check(planned);
      if (refusal != null) {
        return new Taken(refusal, null);
      }
      LedgerSql.WalletRow shortfall = HoldSql.take(c, row, context.accountId());
      if (shortfall != null) {
        return new Taken(null, shortfall);
      }
      limits.reserve(reservations);
      return new Taken(null, null);
    }).compose(taken -> {
      if (taken.limit() != null) {
        return Future.failedFuture(new LimitRefusedException(taken.limit()));
      }
      if (taken.balance() != null) {
        return Future.failedFuture(insufficient(bucket, taken.balance(), amountMicros, context));
      }
      return Future.succeededFuture(new Ticket(row.id(), walletId, bucket, amountMicros, planned));
    });
  }

  public Future<Void> voidHold(Ticket ticket, String resolution) {
    return store.write(c -> {
      if (HoldSql.voidHold(c, ticket.id(), resolution, clock.millis())) {
        limits.release(ticket.reservations());
      }
      return null;
    });
  }

  /** More to write in the transaction that settles a hold, knowing what posting did (null when it had ended). */
  @FunctionalInterface
  public interface AlsoWrite {
    AlsoWrite NOTHING = (c, posted) -> {};

    void write(java.sql.Connection c, HoldSql.Posted posted) throws java.sql.SQLException;
  }

  /**
   * Posts the hold at {@code costMicros}, counts the actual use on its limits, inserts the receipt built from the
   * result and whatever {@code also} writes (the request's idempotent result), in one transaction: all of it
   * commits, or none. The posted result is null when the hold had already ended (it is then not charged again).
   */
  public Future<Settled> settle(Ticket ticket, long costMicros, long tokens, String requestId,
      Function<HoldSql.Posted, Receipt> receipt, AlsoWrite also) {
    return store.write(c -> {
      HoldSql.Posted posted = HoldSql.post(c, ticket.id(), costMicros, requestId, clock.millis());
      Receipt written = receipt.apply(posted);
      ReceiptSql.insert(c, written);
      also.write(c, posted);
      long[] before = limits.spentNow(ticket.limits());
      if (posted != null) {
        // last: in-memory counters change only once every write of this task has succeeded
        limits.post(c, ticket.reservations(), posted.chargedMicros(), tokens);
      }
      return new Written<>(new Settled(posted, limits.tightest(ticket.limits()), limits.progress(ticket.limits(), before)), written);
    }).map(this::told);
  }

  /** What a writer task returns besides the receipt it wrote, so that listeners hear of it after the commit. */
  private record Written<T>(T result, Receipt receipt) {}

  private <T> T told(Written<T> written) {
    try {
      receipts.recorded(written.receipt());
    } catch (RuntimeException e) {
      // a listener's failure must never fail a request whose receipt is already committed
      LOG.error("receipt listener failed on {}", written.receipt().id(), e);
    }
    return written.result();
  }

  /** Marks the receipt of a settled request whose answer could not be written to its client. */
  public Future<Void> undelivered(String requestId) {
    return store.<Void>write(c -> {
      ReceiptSql.markUndelivered(c, requestId);
      return null;
    }).onSuccess(v -> LOG.info("request {} was charged but its answer could not be delivered (receipt: delivery failed)",
        requestId));
  }

  /** Inserts a receipt for a request that charged nothing. */
  public Future<Void> record(Receipt receipt) {
    return store.<Written<Void>>write(c -> {
      ReceiptSql.insert(c, receipt);
      return new Written<>(null, receipt);
    }).map(this::told);
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
