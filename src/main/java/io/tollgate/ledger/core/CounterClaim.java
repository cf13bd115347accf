package io.tollgate.ledger.core;

import io.tollgate.limits.Metric;

/**
 * What a hold reserves on one limit counter: a store's "reserve all of these or none" takes a list of them.
 *
 * @param counter the counter key (limit, subject, window), as the limits room names it
 * @param metric what the counter counts, which decides what posting adds to it
 * @param amount what the hold reserves: micro-units, tokens or one request
 * @param cap the limit's cap when the hold was taken
 */
public record CounterClaim(String counter, Metric metric, long amount, long cap) {}
