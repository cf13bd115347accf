package io.tollgate.ledger.core;

import io.tollgate.config.Bucket;

/** What {@link AccountingCore#setOverdraft} did. */
public sealed interface OverdraftOutcome permits OverdraftSet, OverdraftOutcome.TooLow {

  /**
   * An overdraft that would not cover what the wallet already uses ({@code balance + overdraft - held >= 0});
   * {@code lowestMicros} is the lowest allowed now.
   */
  record TooLow(String accountId, Bucket bucket, long requestedMicros, long lowestMicros) implements OverdraftOutcome {}
}
