package io.tollgate.ledger.core;

import io.tollgate.config.Leg;
import java.util.List;

/**
 * One leg of an {@link Admission}.
 *
 * @param worstCaseMicros the most an attempt on this leg can cost, in its bucket's micro-units: the hold it takes
 * @param tokens what a token limit reserves for it
 * @param limits the limits it would reserve; empty for a leg skipped before they were planned
 * @param limitRefusal the tightest limit that refused it, for {@link Verdict#LIMIT}; otherwise null
 */
public record LegVerdict(int index, Leg leg, long worstCaseMicros, long tokens, List<PlannedLimit> limits,
    Verdict verdict, LimitRefused limitRefusal) {

  public LegVerdict {
    limits = List.copyOf(limits);
  }
}
