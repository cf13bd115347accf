package io.tollgate.ledger.journal;

import io.tollgate.ledger.core.AccountingCore;
import io.tollgate.ledger.core.LedgerEvent;
import io.tollgate.ledger.core.LedgerStore;
import io.tollgate.ledger.core.Snapshot;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded store of the accounting core: a SQLite journal written by the store's single writer, with its
 * projections. It owns the core, and every method but the {@code volatile} readers runs on the writer thread, inside
 * the writer's transaction: an event appended in a transaction is durable when it commits, and the caller completes
 * the request step only after that (the group-commit writer's futures complete after the commit).
 *
 * <p>When a transaction rolls back, the core has applied events the journal does not keep: {@link #rolledBack}
 * rebuilds the core from the journal. Projections follow the journal in batches ({@link #project}): at most
 * {@link #PROJECT_EVERY} committed events behind, and never behind a read ({@code Store.beforeRead}).
 */
public final class Journal {
  /** Committed events after which the writer queues a projection by itself. */
  public static final int PROJECT_EVERY = 256;
  /** Events after which the core's state is snapshotted, so start-up and a rollback replay at most this many. */
  static final long SNAPSHOT_EVERY = 10_000;

  private volatile AccountingCore core;
  /** Journaled events not yet known to be projected, in order; the first {@link #committed} of them are committed. */
  private final List<Journaled> unprojected = new ArrayList<>();
  /** Events appended in the transaction under way and not yet written: {@link #flush} writes them, one batch. */
  private final List<Journaled> unwritten = new ArrayList<>();
  /**
   * This process's own events that reached the journal by a commit whose answer was lost (the writer saw an error
   * and rolled back, but the commit stood): they come back by the journal's tail or a rebuild, and are handed to the
   * committed-events listener (Redis) at the next commit, as if that commit had made them. Writer thread only.
   */
  private final List<LedgerEvent> lateOwn = new ArrayList<>();
  private int committed;
  /** The seq projected in the current transaction; {@link #projectedSeq} once it commits. */
  private long projectingTo;
  private volatile long projectedSeq;
  private volatile long committedSeq;
  private long snapshotSeq;
  private long snapshottingAt;
  private final long snapshotEvery;
  /** This process's name in a journal shared with other processes (PostgreSQL); null for the embedded journal. */
  private final String node;

  private Journal(AccountingCore core, long projectedSeq, long snapshotSeq, long snapshotEvery, String node) {
    this.snapshotEvery = snapshotEvery;
    this.node = node;
    this.core = core;
    this.projectedSeq = projectedSeq;
    this.projectingTo = projectedSeq;
    this.committedSeq = core.lastSeq();
    this.snapshotSeq = snapshotSeq;
    this.snapshottingAt = snapshotSeq;
  }

  /**
   * Opens the journal in the writer's transaction: writes snapshot 0 when there is none (a new database, or one from
   * before the journal: {@link Baseline}), restores the core from the latest snapshot and the events after it, and
   * reads the events the projections have not applied yet.
   */
  public static Journal open(Connection c, long nowMs) throws SQLException {
    return open(c, nowMs, SNAPSHOT_EVERY, null);
  }

  /**
   * Opens a journal shared with other processes, as {@code node}: see {@link #tail}. Every write transaction must
   * hold the journal's lock (the store takes it) and call {@link #tail} before deciding anything.
   */
  public static Journal openShared(Connection c, long nowMs, String node) throws SQLException {
    return open(c, nowMs, SNAPSHOT_EVERY, java.util.Objects.requireNonNull(node, "node"));
  }

  static Journal open(Connection c, long nowMs, long snapshotEvery) throws SQLException {
    return open(c, nowMs, snapshotEvery, null);
  }

  private static Journal open(Connection c, long nowMs, long snapshotEvery, String node) throws SQLException {
    if (JournalSql.snapshot(c, Long.MAX_VALUE, true) == null) {
      if (JournalSql.lastSeq(c) != 0) {
        throw new IllegalStateException("the journal has events but no snapshot 0 (expected: the snapshot the journal"
            + " began from); the database needs repair");
      }
      JournalSql.saveSnapshot(c, Baseline.of(c, nowMs), nowMs);
    }
    Snapshot latest = JournalSql.snapshot(c, Long.MAX_VALUE, false);
    long projected = JournalSql.projectedSeq(c);
    Journal journal = new Journal(restore(c, latest), projected, latest.seq(), snapshotEvery, node);
    journal.unprojected.addAll(JournalSql.events(c, projected, Long.MAX_VALUE));
    journal.committed = journal.unprojected.size();
    return journal;
  }

  /** The core; changed only on the writer thread (see {@link AccountingCore} for what other threads may read). */
  public AccountingCore core() {
    return core;
  }

  /**
   * Appends an event the core has just applied, in the writer's transaction. Its row is written by {@link #flush},
   * which the writer runs just before the transaction commits: the rows of a whole group commit go in one batch (one
   * round trip to PostgreSQL, where every process waits for the journal's lock while another holds it).
   */
  public void append(LedgerEvent event, String annotation, long nowMs) {
    append(event, annotation, null, nowMs);
  }

  /** {@link #append}, keeping {@code annotated}, the value {@code annotation} is the JSON of, for the projection. */
  public void append(LedgerEvent event, String annotation, Object annotated, long nowMs) {
    long last = unprojected.isEmpty() ? Math.max(projectingTo, committedSeq) : unprojected.get(unprojected.size() - 1).event().seq();
    if (event.seq() != last + 1) {
      // the core and the journal disagree (a rebuild that failed after a rollback): refuse rather than leave a gap
      throw new IllegalStateException("journal event " + event.seq() + " after " + last + " (expected: " + (last + 1)
          + "); the core no longer matches the journal and the gateway needs a restart");
    }
    Journaled j = new Journaled(event, annotation, nowMs, annotated);
    unwritten.add(j);
    unprojected.add(j);
  }

  /**
   * Writes the rows of the events appended in this transaction, in one batch; before the commit, and before anything
   * in the transaction reads the journal's rows. A failure fails the transaction, which then rolls back whole.
   */
  public Void flush(Connection c) throws SQLException {
    if (!unwritten.isEmpty()) {
      JournalSql.appendAll(c, unwritten, node);
      unwritten.clear();
    }
    return null;
  }

  /**
   * At the start of a write transaction on a shared journal, holding its lock: applies the events other processes
   * appended since this core's last one, by {@link AccountingCore#replay} (their effect, decided there and never
   * decided again here), so that what this transaction decides sees every balance, hold and counter of the cluster.
   * They are committed already, and this process's projection applies them like its own.
   */
  public Void tail(Connection c) throws SQLException {
    if (core.lastSeq() != committedSeq) {
      // the core holds events no commit kept (a rebuild after a rollback that failed): applying the others' events
      // on top would skip theirs at the same seqs. Failing the transaction makes its rollback rebuild the core.
      throw new IllegalStateException("the core is at event " + core.lastSeq() + " but the journal committed up to "
          + committedSeq + " (expected: equal at the start of a transaction); the core is rebuilt from the journal");
    }
    JournalSql.Tail foreign = JournalSql.tail(c, core.lastSeq(), Long.MAX_VALUE, node);
    if (foreign.events().isEmpty()) {
      return null;
    }
    if (committed != unprojected.size()) {
      throw new IllegalStateException("the journal is tailed inside a transaction that appended (expected: first)");
    }
    for (Journaled j : foreign.events()) {
      core.replay(j.event());
      unprojected.add(j);
      if (foreign.mine().contains(j.event().seq())) {
        lateOwn.add(j.event());
      }
    }
    committed = unprojected.size();
    committedSeq = core.lastSeq();
    return null;
  }

  /**
   * This process's own events found committed after it had taken their commit for failed (see {@link #lateOwn}), in
   * journal order; taken once. Writer thread only.
   */
  public List<LedgerEvent> takeLateOwn() {
    if (lateOwn.isEmpty()) {
      return List.of();
    }
    List<LedgerEvent> out = List.copyOf(lateOwn);
    lateOwn.clear();
    return out;
  }

  /** Whether other processes append to this journal too. */
  public boolean shared() {
    return node != null;
  }

  /** This process's name in a shared journal; null for the embedded one. */
  public String node() {
    return node;
  }

  /**
   * Applies every journaled event the projections lack, in the writer's transaction, and snapshots the core when
   * {@link #SNAPSHOT_EVERY} events (by default) have passed since the last snapshot.
   */
  public void project(Connection c, long nowMs) throws SQLException {
    if (node != null) {
      JournalSql.lockProjections(c);
    }
    projectLocked(c, nowMs);
  }

  /**
   * {@link #project}, unless another transaction projects the shared journal right now (whichever process runs it):
   * then nothing, at once, and false. For projections that follow the journal in transactions of their own, on the
   * writer thread, which must never wait for another process's projections: its requests would wait with it.
   */
  public boolean projectUnlessBusy(Connection c, long nowMs) throws SQLException {
    if (node != null && !JournalSql.tryLockProjections(c)) {
      return false;
    }
    projectLocked(c, nowMs);
    return true;
  }

  /**
   * {@link #projectUnlessBusy} inside a savepoint of the transaction under way: a pass that fails (a bad event, a full
   * disk) is undone alone, statements and positions, and reported as {@link PassFailed}, so that the work it shares the
   * transaction with (on a file, the batch it joined) still commits. When the savepoint itself cannot be rolled back
   * (the engine ended the transaction on such an error), the failure is thrown as it came: the transaction fails.
   */
  public boolean projectUnlessBusyIsolated(Connection c, long nowMs) throws SQLException {
    java.sql.Savepoint savepoint = c.setSavepoint();
    long projecting = projectingTo;
    long snapshotting = snapshottingAt;
    boolean done;
    try {
      done = projectUnlessBusy(c, nowMs);
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback(savepoint);
      } catch (SQLException undo) {
        e.addSuppressed(undo);
        throw e;
      }
      projectingTo = projecting;
      snapshottingAt = snapshotting;
      throw new PassFailed(e);
    }
    c.releaseSavepoint(savepoint);
    return done;
  }

  /** A projection pass that failed and was undone alone: the transaction it ran in is intact. */
  public static final class PassFailed extends RuntimeException {
    PassFailed(Exception cause) {
      super(cause.getMessage(), cause);
    }
  }

  private void projectLocked(Connection c, long nowMs) throws SQLException {
    // on a shared journal another transaction (of this process or another) may have projected further: never twice.
    // The projections' lock orders them; read after taking it, the position is the last holder's.
    long from = node == null ? projectingTo : Math.max(projectingTo, JournalSql.projectedSeq(c));
    List<Journaled> todo = new ArrayList<>();
    for (Journaled j : unprojected) {
      if (j.event().seq() > from) {
        todo.add(j);
      }
    }
    if (!todo.isEmpty()) {
      Projector.apply(c, todo);
      from = todo.get(todo.size() - 1).event().seq();
    }
    projectingTo = Math.min(from, core.lastSeq());
    if (core.lastSeq() - snapshottingAt >= snapshotEvery) {
      Snapshot snapshot = core.snapshot();
      JournalSql.saveSnapshot(c, snapshot, nowMs);
      snapshottingAt = snapshot.seq();
    }
  }

  /** After a commit, on the writer thread: what was appended and projected is now durable. */
  public void committed() {
    if (projectingTo > projectedSeq) {
      int drop = 0;
      while (drop < unprojected.size() && unprojected.get(drop).event().seq() <= projectingTo) {
        drop++;
      }
      unprojected.subList(0, drop).clear();
      projectedSeq = projectingTo;
    }
    committed = unprojected.size();
    snapshotSeq = snapshottingAt;
    committedSeq = core.lastSeq();
  }

  /**
   * After a rollback, on the writer thread, with the writer's connection: forgets what the transaction appended and
   * projected, and rebuilds the core from the journal, since it had applied events that were not kept.
   */
  public void rolledBack(Connection c) throws SQLException {
    unwritten.clear();
    unprojected.subList(committed, unprojected.size()).clear();
    projectingTo = projectedSeq;
    snapshottingAt = snapshotSeq;
    if (core.lastSeq() == committedSeq) {
      // the transaction decided nothing (a refused movement, a failed receipt before any posting): the core is as
      // committed, and a rebuild would only stall the writer
      return;
    }
    long before = committedSeq;
    core = restore(c, JournalSql.snapshot(c, Long.MAX_VALUE, false));
    // on a shared journal the rebuild may also hold events other processes committed meanwhile: projected like the
    // rest; and a commit of this process whose answer was lost may have stood: its events are committed after all
    long known = unprojected.isEmpty() ? Math.max(projectedSeq, committedSeq) : unprojected.get(unprojected.size() - 1).event().seq();
    if (node == null) {
      unprojected.addAll(JournalSql.events(c, known, core.lastSeq()));
    } else {
      JournalSql.Tail since = JournalSql.tail(c, known, core.lastSeq(), node);
      for (Journaled j : since.events()) {
        unprojected.add(j);
        if (j.event().seq() > before && since.mine().contains(j.event().seq())) {
          lateOwn.add(j.event());
        }
      }
    }
    committed = unprojected.size();
    committedSeq = core.lastSeq();
  }

  /** The core {@code latest} and the journal after it describe. */
  private static AccountingCore restore(Connection c, Snapshot latest) throws SQLException {
    return AccountingCore.rebuild(new LedgerStore.Journal(latest,
        JournalSql.events(c, latest.seq(), Long.MAX_VALUE).stream().map(Journaled::event).toList()));
  }

  /** The last committed event's seq, as this process knows it: from any thread. */
  public long committedSeq() {
    return committedSeq;
  }

  /** How far this process's own projections have applied the journal (another's may be further): from any thread. */
  public long projectedSeq() {
    return projectedSeq;
  }

  /** Committed events the projections have not applied: from any thread. */
  public long behind() {
    return committedSeq - projectedSeq;
  }

  /** Committed events waiting for projection, on the writer thread. */
  public int waiting() {
    return committed;
  }
}
