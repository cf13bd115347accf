package io.tollgate.ledger.core;

import io.tollgate.config.Bucket;
import java.util.List;

/**
 * A hold ended at its actual cost. The wallet pays {@code chargedMicros}: the actual cost, or less when usage went
 * past the hold and the wallet (balance plus overdraft, less its other holds) could not pay it all; the rest is
 * {@code uncollectedMicros}. The hold's amount is released, and each counter counts what was used.
 *
 * @param entries the charge transfer (debit the wallet, credit the bucket's revenue); empty when nothing was charged
 */
public record Posting(long seq, String holdId, String requestId, String accountId, Bucket bucket, long heldMicros,
    long actualMicros, long chargedMicros, long balanceBeforeMicros, List<Entry> entries, List<CounterDelta> counters)
    implements LedgerEvent, PostOutcome {

  public Posting {
    entries = List.copyOf(entries);
    counters = List.copyOf(counters);
  }

  public long uncollectedMicros() {
    return actualMicros - chargedMicros;
  }

  /** What the actual cost came to beyond the hold; charged as far as the wallet allowed, and to be on the receipt. */
  public long excessMicros() {
    return Math.max(0, actualMicros - heldMicros);
  }

  public long balanceAfterMicros() {
    return balanceBeforeMicros - chargedMicros;
  }

  /** The charge transfer's id ({@code charge:<request id>}), or null when nothing was charged. */
  public String transferId() {
    return entries.isEmpty() ? null : entries.get(0).transferId();
  }
}
