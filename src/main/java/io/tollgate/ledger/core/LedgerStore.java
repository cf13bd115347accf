package io.tollgate.ledger.core;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * What a store must make durable for the accounting core, and nothing more: it holds no money logic. The core
 * decides; the store journals the decision, and keeps counters a second gateway process can reserve against.
 *
 * <p>Durable means a completed stage survives {@code kill -9} of the process. Callers complete the request step
 * only after the stage completes: a hold before the upstream call, a posting (with its receipt) before the response.
 * The embedded store is a SQLite journal; a scale-out one journals in PostgreSQL and reserves in Redis.
 *
 * <p>With Redis the two halves are two ports: the journal stays here, and the counters several processes share are
 * {@link SharedCounters}, whose {@code reserveAll} takes the same claims (plus the wallet's) after the hold is
 * journaled, so a refusal there voids a journaled hold instead of leaving none (docs/scale-out.md, "Redis").
 */
public interface LedgerStore {

  /**
   * Reserves every claim on the store's counters, or none when any would pass its cap
   * ({@code spent + held + amount > cap}), and when all fit appends {@code taken} in the same atomic step, so no
   * counter ever holds for a hold the journal lacks. Counters give back what a hold reserved when its
   * {@link Posting} or {@link Voided} is appended (their {@link CounterDelta}s say by how much).
   */
  CompletionStage<Claimed> reserveAll(List<CounterClaim> claims, Hold taken);

  /** Appends an event other than a hold taken: a posting (with its entries), a void, a movement, an overdraft. */
  CompletionStage<Void> append(LedgerEvent event);

  /** Keeps {@code snapshot}; events up to its {@code seq} must already be durable. */
  CompletionStage<Void> saveSnapshot(Snapshot snapshot);

  /** The latest snapshot (null when none) and every event after it, in order: what start-up restores. */
  Journal load();

  /** What {@link #reserveAll} did: all taken, or none, naming the first claim that did not fit. */
  record Claimed(boolean taken, CounterClaim refused) {
    public static final Claimed ALL = new Claimed(true, null);
  }

  /** A snapshot and the journal after it. */
  record Journal(Snapshot snapshot, List<LedgerEvent> events) {
    public Journal {
      events = List.copyOf(events);
    }
  }
}
