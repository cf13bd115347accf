package io.tollgate.ledger.core;

import io.tollgate.config.Bucket;
import java.util.List;

/**
 * A hold ended without a charge: its amount leaves the wallet's held part and each counter gets back what it held.
 *
 * @param reason why, for the hold's record: {@code failed_attempt}, {@code recovered_on_startup}, {@code expired}, ...
 */
public record Voided(long seq, String holdId, String requestId, String accountId, Bucket bucket, long amountMicros,
    String reason, List<CounterDelta> counters) implements LedgerEvent, VoidOutcome {

  public Voided {
    counters = List.copyOf(counters);
  }
}
