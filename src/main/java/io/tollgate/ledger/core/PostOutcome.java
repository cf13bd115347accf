package io.tollgate.ledger.core;

/** What {@link AccountingCore#post} did: a {@link Posting}, or nothing because the hold was not pending. */
public sealed interface PostOutcome permits Posting, NotPending {}
