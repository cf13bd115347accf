package io.tollgate.redis;

import io.tollgate.ledger.core.Snapshot;
import io.vertx.core.Future;

/**
 * Where the counters come from when Redis has lost them: the source of truth, as one consistent {@link Snapshot}
 * (wallets, limit counters, open holds, and the journal seq it stands at).
 *
 * <p>The embedded store is one source per process: its own core, read on its writer thread. A shared journal
 * (PostgreSQL) is one source for the whole cluster: its snapshot must be read from the database, never from a
 * process's core that may lag the journal, and its seq is the journal's.
 */
public interface RebuildSource {
  /** Names the source in Redis; stable across restarts of the process (the same journal, the same id). */
  String id();

  /** The state to rebuild from; its {@code seq} orders it against the events pushed after it. */
  Future<Snapshot> snapshot();
}
