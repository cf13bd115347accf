package io.tollgate.ledger.core;

/**
 * A post or void of a hold that is not pending: it already ended (or never existed). Nothing changed, so a hold
 * ends exactly once however often its end is asked for.
 */
public record NotPending(String holdId) implements PostOutcome, VoidOutcome {}
