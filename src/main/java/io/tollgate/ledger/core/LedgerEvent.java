package io.tollgate.ledger.core;

/**
 * One state transition of the core, as a store journals it. Each operation's successful result is its own event,
 * so what a caller reads and what the journal keeps cannot differ; {@link AccountingCore#replay} applies an event
 * without deciding anything again.
 */
public sealed interface LedgerEvent permits Hold, Posting, Voided, Movement, OverdraftSet {
  /** The event's position in the journal: 1, 2, 3, ... with no gaps. */
  long seq();
}
