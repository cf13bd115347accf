package io.tollgate.ledger.core;

import io.tollgate.limits.Limit;
import java.time.Instant;

/**
 * A limit that one more hold would take past its cap ({@code spent + held + requested > cap}), with the numbers a
 * client needs. When several would, the core reports the one with the least room left.
 */
public record LimitRefused(Limit limit, String counter, long spent, long held, long requested, Instant resetsAt)
    implements Refusal, Reserved {

  public long remaining() {
    return AccountingCore.remaining(limit, spent, held);
  }
}
