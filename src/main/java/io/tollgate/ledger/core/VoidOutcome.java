package io.tollgate.ledger.core;

/** What {@link AccountingCore#voidHold} did: a {@link Voided}, or nothing because the hold was not pending. */
public sealed interface VoidOutcome permits Voided, NotPending {}
