package io.tollgate.ledger.core;

/**
 * Why a request may not run, as a value. The HTTP layer renders it: {@link LimitRefused} as 429 with the limit's
 * code, {@link BalanceRefused} as 402 {@code insufficient_balance}, {@link NoLegAvailable} as 503 (or, once the
 * request has made upstream attempts, as the all-attempts-failed error those attempts earned).
 */
public sealed interface Refusal permits LimitRefused, BalanceRefused, NoLegAvailable {}
