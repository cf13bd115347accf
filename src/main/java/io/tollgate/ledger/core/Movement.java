package io.tollgate.ledger.core;

import io.tollgate.config.Bucket;
import java.util.List;

/**
 * Money put into or taken out of a wallet against a system account: a top-up (from the bucket's top-up source) or
 * a signed adjustment (against the bucket's adjustment account).
 */
public record Movement(long seq, String transferId, Kind kind, String accountId, Bucket bucket, long signedMicros,
    List<Entry> entries) implements LedgerEvent, MovementOutcome {

  public Movement {
    entries = List.copyOf(entries);
  }

  public enum Kind { TOPUP, ADJUSTMENT }
}
