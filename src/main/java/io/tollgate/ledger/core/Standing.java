package io.tollgate.ledger.core;

import io.tollgate.limits.Limit;

/** What is left of one limit now: what a response's limit headers tell the client of its tightest limit. */
public record Standing(Limit limit, long remaining) {}
