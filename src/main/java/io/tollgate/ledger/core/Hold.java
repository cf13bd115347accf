package io.tollgate.ledger.core;

import io.tollgate.config.Bucket;
import java.util.List;

/**
 * A pending hold, and the event of taking it: {@code amountMicros} on the account's {@code bucket} wallet and each
 * claim on its counter, taken together. It ends exactly once, by {@link Posting} or {@link Voided}.
 *
 * @param expiresAtMs when a live gateway may void it as abandoned ({@link AccountingCore#expire})
 */
public record Hold(long seq, String id, String requestId, String accountId, Bucket bucket, long amountMicros,
    List<CounterClaim> claims, long expiresAtMs) implements LedgerEvent, Reserved {

  public Hold {
    claims = List.copyOf(claims);
  }
}
