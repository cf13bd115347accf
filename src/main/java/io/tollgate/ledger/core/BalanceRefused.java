package io.tollgate.ledger.core;

import io.tollgate.config.Bucket;

/**
 * A wallet whose available balance ({@code balance + overdraft - held}) does not cover {@code neededMicros}.
 */
public record BalanceRefused(String accountId, Bucket bucket, long availableMicros, long neededMicros)
    implements Refusal, Reserved, MovementOutcome {}
