package io.tollgate.ledger.core;

import io.tollgate.config.Bucket;
import io.tollgate.limits.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The counters half of {@link LedgerStore}, for a cluster: counters several gateway processes reserve against, kept
 * outside every process (Redis). A process's own core decides each hold first (its leg walk, its worst case, its
 * claims); the shared counters then take the same claims or none, across processes, before any upstream call. They
 * hold no money logic: they compare and add what a core computed.
 *
 * <p>A wallet is a counter too ({@link #walletCounter}): what it held and charged against a cap of its credits plus
 * its overdraft, which the shared counters keep themselves ({@link #STORED_CAP}) and move with each top-up.
 *
 * <p>Unlike {@link LedgerStore#reserveAll}, taking the claims and journaling the hold are two steps: the hold is
 * journaled first (so a crash leaves it to recovery, which voids it), the claims follow, and a refusal voids it.
 */
public interface SharedCounters {
  /** The cap of a claim whose counter keeps its own cap: a wallet's credits plus its overdraft. */
  long STORED_CAP = -1;

  /**
   * Takes every claim or none. A stage failed with {@link CountersUnavailable} means the counters could not be
   * asked, or are being rebuilt: nothing may be admitted on them.
   */
  CompletionStage<Taken> reserveAll(List<CounterClaim> claims, Hold taken);

  /**
   * What {@link #reserveAll} did: took all ({@code refused} null), or none, naming the first claim that did not fit
   * and its counter as the shared counters saw it.
   */
  record Taken(CounterClaim refused, long spent, long held, long cap) {
    public static final Taken ALL = new Taken(null, 0, 0, 0);

    public boolean taken() {
      return refused == null;
    }
  }

  /** The counter of a wallet: what its holds and charges use of its credits plus overdraft. */
  static String walletCounter(String accountId, Bucket bucket) {
    return "wallet|" + accountId + "|" + bucket.name();
  }

  /** Whether {@code counter} is a wallet's ({@link #walletCounter}). */
  static boolean isWallet(String counter) {
    return counter.startsWith("wallet|");
  }

  /** Every claim of {@code hold} on shared counters: its limits, then its wallet (limits refuse before the balance). */
  static List<CounterClaim> claims(Hold hold) {
    List<CounterClaim> all = new ArrayList<>(hold.claims().size() + 1);
    all.addAll(hold.claims());
    all.add(new CounterClaim(walletCounter(hold.accountId(), hold.bucket()), Metric.SPEND, hold.amountMicros(),
        STORED_CAP));
    return all;
  }

  /**
   * The refusal {@code taken} stands for on {@code leg}, as the core gives it: a {@link BalanceRefused} for the
   * wallet, a {@link LimitRefused} for one of the leg's planned limits.
   */
  static Refusal refusal(Taken taken, Hold hold, LegVerdict leg) {
    CounterClaim claim = taken.refused();
    if (isWallet(claim.counter())) {
      return new BalanceRefused(hold.accountId(), hold.bucket(), taken.cap() - taken.spent() - taken.held(), claim.amount());
    }
    for (PlannedLimit p : leg.limits()) {
      if (p.counter().equals(claim.counter())) {
        return new LimitRefused(p.limit(), p.counter(), taken.spent(), taken.held(), claim.amount(), p.resetsAt());
      }
    }
    throw new IllegalArgumentException("counter " + claim.counter() + " (expected: one of the leg's planned limits)");
  }
}
