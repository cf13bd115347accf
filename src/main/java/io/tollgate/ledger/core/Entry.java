package io.tollgate.ledger.core;

import io.tollgate.config.Bucket;

/**
 * One side of a transfer: {@code amountMicros} is negative on the debited account and positive on the credited
 * one, so the entries of a bucket always sum to zero.
 *
 * @param account the ledger account id, as {@link io.tollgate.ledger.LedgerIds} names it
 */
public record Entry(String transferId, String account, Bucket bucket, long amountMicros) {}
