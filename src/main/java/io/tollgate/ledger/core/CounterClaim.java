package io.tollgate.ledger.core;

import io.tollgate.limits.Metric;

/**
 * What a hold reserves on one limit counter: a store's "reserve all of these or none" takes a list of them.
 *
 * @param counter the counter key (limit, subject, window), as the limits room names it
 * @param metric what the counter counts, which decides what posting adds to it
 * @param amount what the hold reserves: micro-units, tokens or one request
 * @param cap the limit's cap when the hold was taken
 * @param hard whether posting may never take the counter past its cap, usage beyond the hold included: a research
 *     run's envelope (the run's quoted maximum is a promise to its user); other limits count such excess (a cap is then
 *     met by refusing the next request)
 */
public record CounterClaim(String counter, Metric metric, long amount, long cap, boolean hard) {
  public CounterClaim(String counter, Metric metric, long amount, long cap) {
    this(counter, metric, amount, cap, false);
  }
}
