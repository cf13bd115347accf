package io.tollgate.ledger;

import io.tollgate.config.Bucket;

/**
 * An immutable movement of {@code amountMicros} from {@code debitAccount} to {@code creditAccount} within one
 * bucket. Its id is its idempotency key.
 */
public record Transfer(
    String id,
    Kind kind,
    Bucket bucket,
    String debitAccount,
    String creditAccount,
    long amountMicros,
    String requestId,
    String note,
    String details,
    long createdAtMs) {

  public Transfer {
    if (amountMicros <= 0) {
      throw new IllegalArgumentException("amountMicros: " + amountMicros + " (expected: > 0)");
    }
  }

  /** What a transfer is for. */
  public enum Kind {
    TOPUP, CHARGE, REFUND, ADJUSTMENT, CONVERSION;

    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
