package io.tollgate.ledger;

import io.tollgate.ledger.core.AdmitRequest;
import io.tollgate.ledger.core.CountersUnavailable;
import io.tollgate.ledger.core.Hold;
import io.tollgate.ledger.core.PlannedLimit;
import io.tollgate.ledger.core.Posting;
import io.tollgate.ledger.core.Refusal;
import io.tollgate.ledger.core.SharedCounters;
import io.tollgate.receipts.Receipt;
import io.tollgate.receipts.ReceiptListener;
import io.tollgate.receipts.ReceiptSql;
import io.tollgate.store.SqlWork;
import io.tollgate.store.StoreAccess;
import io.vertx.core.Future;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger on the request path, from an event loop. Each step is one task for the group-commit writer, where the
 * {@link Accountant} decides and journals: a hold is durable before the upstream call, and a charge is journaled in
 * the same transaction as the receipt that explains it.
 */
public final class Billing {
  private static final Logger LOG = LoggerFactory.getLogger(Billing.class);

  private final StoreAccess store;
  private final Accountant accountant;
  private final ReceiptListener receipts;
  private final SharedCounters shared;

  /** @param receipts told of each receipt this writes, once its transaction has committed */
  public Billing(StoreAccess store, Accountant accountant, ReceiptListener receipts) {
    this(store, accountant, receipts, null);
  }

  /**
   * @param shared the counters other gateway processes reserve against too ({@code redis:}); null when this process
   *     keeps them alone
   */
  public Billing(StoreAccess store, Accountant accountant, ReceiptListener receipts, SharedCounters shared) {
    this.store = store;
    this.accountant = accountant;
    this.receipts = Objects.requireNonNull(receipts, "receipts");
    this.shared = shared;
  }

  /**
   * The leg walk of {@code request} and, on its admitted leg, the hold: see {@link Accountant#admit}. With shared
   * counters the hold then takes its claims there too before the future completes (so before any upstream call): when
   * they refuse, the hold is voided and the admission comes back refused on that leg as the core would have refused
   * it (a limit or the balance); when they cannot be asked, the hold is voided and the future fails with
   * {@link CountersUnavailable}.
   */
  public Future<Accountant.Admitted> admit(AdmitRequest request, String holdId, String requestId,
      IntFunction<Long> expiresAtMs, IntFunction<HoldContext> context) {
    Future<Accountant.Admitted> local = store.write(accountant.admit(request, holdId, requestId, expiresAtMs, context));
    return shared == null ? local : local.compose(this::shared);
  }

  private Future<Accountant.Admitted> shared(Accountant.Admitted admitted) {
    Hold hold = admitted.hold();
    if (hold == null) {
      return Future.succeededFuture(admitted);
    }
    return Future.fromCompletionStage(shared.reserveAll(SharedCounters.claims(hold), hold)).transform(done -> {
      if (done.succeeded() && done.result().taken()) {
        return Future.succeededFuture(admitted);
      }
      String resolution = done.succeeded() ? "refused_by_shared_counters" : "shared_counters_unavailable";
      return voidHold(hold, resolution).transform(voided -> {
        if (voided.failed()) {
          LOG.error("hold {} could not be voided after the shared counters did not take it; the sweeper voids it",
              hold.id(), voided.cause());
        }
        if (done.failed()) {
          return Future.failedFuture(done.cause() instanceof CountersUnavailable ? done.cause()
              : new CountersUnavailable("the shared counters failed: " + done.cause(), 1, done.cause()));
        }
        Refusal refusal = SharedCounters.refusal(done.result(), hold, admitted.admission().admittedVerdict());
        return Future.succeededFuture(new Accountant.Admitted(admitted.admission().refusedAt(refusal), null));
      });
    });
  }

  public Future<Boolean> voidHold(Hold hold, String resolution) {
    return store.write(accountant.voidHold(hold.id(), resolution));
  }

  /** More to write in the transaction that settles a hold, knowing the posting (null when the hold had ended). */
  public interface AlsoWrite extends Accountant.AlsoWrite {
    AlsoWrite NOTHING = (c, posting) -> {};
  }

  /**
   * Posts the hold at {@code costMicros}, counts the actual use on its limits, inserts the receipt built from the
   * posting and whatever {@code also} writes (the request's idempotent result), in one transaction: all of it
   * commits, or none. The posting is null when the hold had already ended (it is then not charged again).
   */
  public Future<Accountant.Posted> settle(Hold hold, List<PlannedLimit> planned, long costMicros, long tokens,
      Function<Posting, Receipt> receipt, AlsoWrite also) {
    return store.write(accountant.post(hold.id(), planned, costMicros, tokens, receipt, also)).map(posted -> {
      told(posted.receipt());
      return posted;
    });
  }

  private void told(Receipt receipt) {
    try {
      receipts.recorded(receipt);
    } catch (RuntimeException e) {
      // a listener's failure must never fail a request whose receipt is already committed
      LOG.error("receipt listener failed on {}", receipt.id(), e);
    }
  }

  /** Marks the receipt of a settled request whose answer could not be written to its client. */
  public Future<Void> undelivered(String requestId) {
    return store.<Void>write(c -> {
      // the receipt is a projection of its posting: it is brought in first
      accountant.projection().run(c);
      ReceiptSql.markUndelivered(c, requestId);
      return null;
    }).onSuccess(v -> LOG.info("request {} was charged but its answer could not be delivered (receipt: delivery failed)",
        requestId));
  }

  /**
   * Ends a request that charged nothing in one transaction: voids {@code hold} when it is not null (and still pending)
   * and inserts the request's receipt, so that no crash can leave a void without its receipt.
   */
  public Future<Void> voidAndRecord(Hold hold, String resolution, Receipt receipt) {
    return store.write(voidWithReceipt(hold, resolution, receipt)).map(v -> {
      told(receipt);
      return null;
    });
  }

  /**
   * Voids the hold of an attempt that failed, before the request moves on to another leg, and writes the request's
   * provisional receipt (with its attempts so far) in the same transaction: if the process dies before the request
   * ends, the request still has a receipt. Its final receipt replaces it, or recovery's does.
   */
  public Future<Void> voidMovingOn(Hold hold, String resolution, Receipt provisional) {
    // replaces the provisional receipt of an earlier failover: the attempts so far, each time
    return store.write(voidWithReceipt(hold, resolution, provisional));
  }

  /** Writer work: voids {@code hold} (when not null and still pending) and writes the request's uncharged receipt. */
  private SqlWork<Void> voidWithReceipt(Hold hold, String resolution, Receipt receipt) {
    return c -> {
      if (hold != null) {
        accountant.voidHold(hold.id(), resolution).run(c);
      }
      ReceiptSql.insert(c, receipt);
      return null;
    };
  }

  public Accountant accountant() {
    return accountant;
  }
}
