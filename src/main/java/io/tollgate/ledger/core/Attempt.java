package io.tollgate.ledger.core;

import io.tollgate.config.Bucket;
import java.util.List;
import java.util.Objects;

/**
 * One upstream attempt to hold for: its worst case on the account's wallet of {@code bucket}, and each planned limit.
 * Made by {@link Admission#attempt} for the admitted leg, so the hold is exactly what admission judged.
 *
 * @param holdId chosen by the caller, unique; it doubles as the hold's idempotency key
 */
public record Attempt(String holdId, String requestId, String accountId, Bucket bucket, long amountMicros,
    List<PlannedLimit> limits, long expiresAtMs) {

  public Attempt {
    Objects.requireNonNull(holdId, "holdId");
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(accountId, "accountId");
    Objects.requireNonNull(bucket, "bucket");
    if (amountMicros < 0) {
      throw new IllegalArgumentException("amountMicros: " + amountMicros + " (expected: >= 0)");
    }
    limits = List.copyOf(limits);
  }
}
