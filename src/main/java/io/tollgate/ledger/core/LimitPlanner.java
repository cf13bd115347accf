package io.tollgate.ledger.core;

import io.tollgate.config.Leg;
import io.tollgate.limits.Limit;
import java.time.Instant;
import java.util.List;

/**
 * Which limits apply to an attempt on one leg. Definitions, scopes and windows stay in the limits room, which
 * answers this; what each limit reserves is computed by the core ({@link AccountingCore#amount}).
 */
@FunctionalInterface
public interface LimitPlanner {
  LimitPlanner NONE = leg -> List.of();

  /** Every limit that applies to an attempt of this request on {@code leg}, with its counter in the current window. */
  List<Applicable> applicable(Leg leg);

  /** A limit that applies, with the counter of its current window and when that window ends (null: lifetime). */
  record Applicable(Limit limit, String counter, Instant resetsAt) {}
}
