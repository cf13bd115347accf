package io.tollgate.ledger.core;

import io.tollgate.config.Bucket;

/** A wallet's overdraft changed: how far below zero its balance may go. */
public record OverdraftSet(long seq, String accountId, Bucket bucket, long overdraftMicros)
    implements LedgerEvent, OverdraftOutcome {}
