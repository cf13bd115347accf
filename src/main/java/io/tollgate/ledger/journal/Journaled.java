package io.tollgate.ledger.journal;

import io.tollgate.ledger.core.LedgerEvent;
import java.util.Objects;

/**
 * A journal row: an event of the accounting core, and beside it what the projections need that the core does not
 * (a hold's request context, so recovery can write its request's receipt; a movement's note and details).
 *
 * @param annotation JSON, or null
 */
public record Journaled(LedgerEvent event, String annotation, long createdAtMs) {
  public Journaled {
    Objects.requireNonNull(event, "event");
  }
}
