package io.tollgate.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies the write-ahead log back into the database file on its own thread and connection. SQLite would
 * otherwise do it inside whichever commit crosses the WAL's size threshold, and a checkpoint syncs the file:
 * the single writer, and every request queued behind it, would stall for the length of an fsync. A passive
 * checkpoint never blocks the writer. The log starts over from its beginning only when a write begins with
 * every frame copied; under steady load commits keep landing while a checkpoint syncs, so that moment mostly
 * comes from the writer's own checkpoint at {@link Store#WRITER_CHECKPOINT_PAGES}, which by then finds little
 * left to copy but still syncs both files (measured 2026-12-02: a 2 to 3 ms pause every few hundred requests
 * at one connection; larger thresholds made those pauses longer, not rarer).
 *
 * <p>When a checkpoint runs is {@link Policy}'s: after {@value Policy#TASKS} committed pieces of work (under heavy
 * load, about as often as the {@value #INTERVAL_MS} ms tick, so each checkpoint copies little), or once the oldest
 * commit not yet checkpointed was first seen {@value Policy#MAX_AGE_MS} ms ago, and never while nothing was written.
 * A checkpoint counts only when it copied every frame: with {@code synchronous=NORMAL} one that copies nothing (a
 * reader holds the log where it is) syncs nothing either, so it is tried again at every look until it can. A log that starts
 * over costs the write that starts it an fsync of the log's header (SQLite with {@code synchronous=NORMAL}):
 * checkpointing on every tick made that fsync land on nearly every commit of sporadic traffic, and after this policy
 * it still landed on the hold of the first request after every quiet moment, about 0.7 ms before its first chunk
 * (bench/RESULTS.md, 2026-12-04). So a complete checkpoint asks the writer to start the log over while it is idle
 * ({@link GroupCommitWriter#rewindLog}).
 */
final class Checkpointer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);
  /**
   * Between two looks at what was written. Short, so that under load each checkpoint copies and syncs little: with
   * 250 ms, a checkpoint synced some 20 MB under load and the writer's appends stalled behind it (p99 at one
   * connection 28 ms; 6 to 11 ms at 20 ms).
   */
  static final long INTERVAL_MS = 20;

  /** Between two warnings about failing checkpoints: they would otherwise come 50 times a second. */
  private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final Connection connection;
  private final ScheduledExecutorService thread;
  /** Pieces of work the writer has committed so far (it only grows). */
  private final LongSupplier committedTasks;
  /** Told when a checkpoint copied every frame: the writer then starts the log over while idle. */
  private final Runnable copiedAll;
  private final Policy policy = new Policy();
  private boolean closed;
  private long lastWarnedAt = System.nanoTime() - WARN_EVERY_NANOS;

  Checkpointer(Connection connection, LongSupplier committedTasks, Runnable copiedAll) {
    this.connection = connection;
    this.committedTasks = committedTasks;
    this.copiedAll = copiedAll;
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tollgate-checkpointer");
      t.setDaemon(true);
      return t;
    });
    thread.scheduleWithFixedDelay(this::checkpointQuietly, INTERVAL_MS, INTERVAL_MS, TimeUnit.MILLISECONDS);
  }

  /** Runs one passive checkpoint; returns the frames in the log and the frames copied, as SQLite reports them. */
  long[] checkpoint() throws SQLException {
    Result r = run();
    return new long[] {r.log(), r.copied()};
  }

  /** What a passive checkpoint reported: whether another checkpoint kept it from running, frames in the log, copied. */
  private record Result(boolean busy, long log, long copied) {
    /** Every frame there was when it began is in the database file, and the log was synced before they were copied. */
    boolean complete() {
      return !busy && copied >= log;
    }
  }

  private synchronized Result run() throws SQLException {
    if (closed) {
      throw new SQLException("the checkpointer is closed");
    }
    try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
      rs.next();
      return new Result(rs.getInt(1) != 0, rs.getLong(2), rs.getLong(3));
    }
  }

  private void checkpointQuietly() {
    try {
      long tasks = committedTasks.getAsLong();
      if (policy.due(tasks, TimeUnit.NANOSECONDS.toMillis(System.nanoTime()))) {
        // booked only when it copied every frame there was when it began: one that a reader (or another
        // checkpoint) kept from copying may have synced nothing, and is tried again at the next look
        if (run().complete()) {
          policy.checkpointed(tasks);
          copiedAll.run();
        }
      }
    } catch (Throwable e) {
      // anything thrown out of here would cancel the schedule for good; the next run tries again, and until
      // one succeeds the log only grows (the writer's own checkpoint still bounds it)
      long now = System.nanoTime();
      if (now - lastWarnedAt >= WARN_EVERY_NANOS) {
        lastWarnedAt = now;
        LOG.warn("WAL checkpoint failed (warned at most once a minute): {}", e.toString());
      }
    }
  }

  @Override
  public void close() {
    thread.shutdown();
    try {
      thread.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      try {
        checkpoint();
      } catch (SQLException e) {
        LOG.warn("final WAL checkpoint failed: {}", e.getMessage());
      } finally {
        closed = true;
        try {
          connection.close();
        } catch (SQLException e) {
          LOG.warn("closing the checkpointer's connection failed: {}", e.getMessage());
        }
      }
    }
  }

  /**
   * When the next checkpoint is due, from the writer's count of committed pieces of work and a monotonic clock in
   * milliseconds: after {@link #TASKS} of them, or once the first one not yet checkpointed is {@link #MAX_AGE_MS} old.
   * With {@code synchronous=NORMAL} a checkpoint is also what syncs the log, so the age bounds what a power cut can
   * lose (docs/config.md, {@code store.sync}); a crash of the process loses nothing either way.
   */
  static final class Policy {
    /** Committed pieces of work (a hold, a posting, a projection batch...) after which a checkpoint is due. */
    static final long TASKS = 256;
    /** How long the first commit after a checkpoint waits at most for the next one. */
    static final long MAX_AGE_MS = 200;

    /**
     * The count at the last checkpoint; below any count at first, since what was written before the writer started
     * (the schema's migrations, on the writer's connection) is no task and needs its checkpoint too.
     */
    private long checkpointedTasks = -1;
    /** Whether a look has seen work committed after the last checkpoint, and when (monotonic: may be negative). */
    private boolean pendingSeen;
    private long pendingSinceMs;

    boolean due(long committedTasks, long nowMs) {
      long pending = committedTasks - checkpointedTasks;
      if (pending <= 0) {
        return false;
      }
      if (!pendingSeen) {
        pendingSeen = true;
        pendingSinceMs = nowMs;
      }
      return pending >= TASKS || nowMs - pendingSinceMs >= MAX_AGE_MS;
    }

    /** A checkpoint ran after the writer had committed {@code committedTasks}: what came before is copied. */
    void checkpointed(long committedTasks) {
      checkpointedTasks = committedTasks;
      pendingSeen = false;
    }
  }
}
