package io.tollgate.ledger.core;

/** What a top-up or an adjustment did: a {@link Movement}, or a debit the wallet could not cover. */
public sealed interface MovementOutcome permits Movement, BalanceRefused {}
