package io.tollgate.ledger.core;

/** What {@link AccountingCore#reserve} did: took a {@link Hold}, or refused and changed nothing. */
public sealed interface Reserved permits Hold, LimitRefused, BalanceRefused {}
