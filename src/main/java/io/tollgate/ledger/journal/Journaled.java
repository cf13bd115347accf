package io.tollgate.ledger.journal;

import io.tollgate.ledger.core.LedgerEvent;
import java.util.Objects;

/**
 * A journal row: an event of the accounting core, and beside it what the projections need that the core does not
 * (a hold's request context, so recovery can write its request's receipt; a movement's note and details).
 *
 * @param annotation JSON, or null
 * @param annotated the value {@code annotation} is the JSON of, while the process that journaled it still has it (a
 *     posting's receipt, which the projection then need not parse back); null when read from the database
 */
public record Journaled(LedgerEvent event, String annotation, long createdAtMs, Object annotated) {
  public Journaled {
    Objects.requireNonNull(event, "event");
  }

  public Journaled(LedgerEvent event, String annotation, long createdAtMs) {
    this(event, annotation, createdAtMs, null);
  }
}
