package io.tollgate.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.atomic.LongAdder;

/**
 * Takes the journal's advisory lock for a write transaction on a shared store, and measures it: how long the writer
 * waited for it (other processes' transactions held it) and how long this process then held it (until its commit or
 * rollback). Over a window, the held time of every process summed, divided by the window, is how busy the lock is:
 * near 1, the lock is what limits the cluster's write throughput.
 */
public final class JournalLockMeter {
  private final LongAdder acquisitions = new LongAdder();
  private final LongAdder waitNanos = new LongAdder();
  private final LongAdder heldNanos = new LongAdder();
  private final LongAdder catchUpNanos = new LongAdder();
  /** When the writer thread took the lock it holds now; -1 when it holds none. Only the writer thread touches it. */
  private long lockedAtNanos = -1;

  JournalLockMeter() {}

  /** Takes the lock until the transaction ends; on the writer thread, at the start of every write transaction. */
  Void take(Connection c) throws SQLException {
    long asked = System.nanoTime();
    try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock(" + Store.JOURNAL_LOCK + ")")) {
      s.execute();
    }
    long taken = System.nanoTime();
    waitNanos.add(taken - asked);
    acquisitions.increment();
    lockedAtNanos = taken;
    return null;
  }

  /** The transaction ended (committed or rolled back), and with it the lock; on the writer thread. */
  void released() {
    if (lockedAtNanos >= 0) {
      heldNanos.add(System.nanoTime() - lockedAtNanos);
      lockedAtNanos = -1;
    }
  }

  /** Under the lock, before its own work, the transaction spent {@code nanos} applying the others' events. */
  void caughtUp(long nanos) {
    catchUpNanos.add(nanos);
  }

  /** Times the lock was taken: one per write transaction. */
  public long acquisitions() {
    return acquisitions.sum();
  }

  /** Nanoseconds spent waiting for the lock, all transactions together. */
  public long waitNanos() {
    return waitNanos.sum();
  }

  /**
   * Nanoseconds spent, with the lock held, reading and applying the events other processes appended since this
   * process's last transaction (the journal's tail), all transactions together: part of {@link #heldNanos}.
   */
  public long catchUpNanos() {
    return catchUpNanos.sum();
  }

  /** Nanoseconds the lock was held by this process, all transactions together. */
  public long heldNanos() {
    return heldNanos.sum();
  }
}
