package io.tollgate.ledger.core;

import io.tollgate.limits.Limit;
import java.time.Instant;

/**
 * A limit an attempt would reserve, with the amount the core computed for it.
 *
 * @param counter the counter key (limit, subject and window)
 * @param resetsAt when the counter's window ends; null for lifetime
 */
public record PlannedLimit(Limit limit, String counter, long amount, Instant resetsAt) {
  CounterClaim claim() {
    return new CounterClaim(counter, limit.metric(), amount, limit.cap(), limit.window() == io.tollgate.limits.Window.RUN);
  }
}
