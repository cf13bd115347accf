package io.tollgate.ledger.core;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.LedgerIds.SystemAccount;
import java.util.List;

/**
 * Money put into or taken out of a wallet against a system account: a top-up (from the bucket's top-up source), a
 * signed adjustment (against the bucket's adjustment account) or one side of a conversion between buckets (against
 * the bucket's conversion account).
 */
public record Movement(long seq, String transferId, Kind kind, String accountId, Bucket bucket, long signedMicros,
    List<Entry> entries) implements LedgerEvent, MovementOutcome {

  public Movement {
    entries = List.copyOf(entries);
  }

  /** What moved the money, and the system account on the other side. */
  public enum Kind {
    TOPUP(SystemAccount.TOPUP_SOURCE),
    ADJUSTMENT(SystemAccount.ADJUSTMENT),
    CONVERSION(SystemAccount.CONVERSION);

    private final SystemAccount other;

    Kind(SystemAccount other) {
      this.other = other;
    }

    public SystemAccount systemAccount() {
      return other;
    }
  }
}
