package io.tollgate.ledger.journal;

import io.tollgate.store.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Projects a journal shared by several processes (PostgreSQL) beside the writer: on a connection and a thread of its
 * own, in transactions that hold the projection lock and never the journal's lock, so that the processes' write
 * transactions (which hold the journal's lock, one at a time across the cluster) no longer carry the projections'
 * rows. It reads the committed events from the journal table: under the journal's lock transactions commit one after
 * the other, so the committed events are always the seqs 1..n, with no gap to skip.
 *
 * <p>Each pass takes the projection lock, reads how far the projections stand, applies at most {@link #PASS_EVENTS}
 * events after it and commits, until none is left: whichever process gets there first projects an event, once. A
 * failed pass (the database away) leaves the projections where the last commit put them; the next pass retries.
 */
public final class SharedProjector implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SharedProjector.class);
  /** Events per projection transaction: bounds how long the projection lock is held at a time. */
  static final int PASS_EVENTS = 512;

  /** Opens a connection to the shared database. */
  @FunctionalInterface
  public interface ConnectionSource {
    Connection open() throws SQLException;
  }

  private final ConnectionSource connections;
  private final Journal journal;
  private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "tollgate-projector");
    t.setDaemon(true);
    return t;
  });
  /** The connection in use; only the projector's thread touches it. Null until opened, and after it broke. */
  private Connection connection;
  /** How far the projections stood at this projector's last commit (or read). */
  private volatile long projected;
  /** A pass queued and not yet started: later nudges join it. */
  private CompletableFuture<Long> queued;
  private volatile boolean closed;

  public SharedProjector(ConnectionSource connections, Journal journal) {
    this.connections = connections;
    this.journal = journal;
  }

  /** Brings the projections up to the journal's end soon, off the calling thread; a pass already queued is joined. */
  public CompletableFuture<Long> nudge() {
    synchronized (this) {
      if (queued != null) {
        return queued;
      }
      CompletableFuture<Long> pass = new CompletableFuture<>();
      queued = pass;
      try {
        thread.execute(() -> {
          synchronized (this) {
            queued = null;
          }
          try {
            pass.complete(runPasses());
          } catch (SQLException | RuntimeException e) {
            pass.completeExceptionally(e);
          }
        });
      } catch (RejectedExecutionException e) {
        queued = null;
        pass.completeExceptionally(new StoreException("the store is closed", e));
      }
      return pass;
    }
  }

  /**
   * Blocks until the projections stand at {@code seq} or beyond: for a read that must show every event committed
   * before it began. Never on the writer's thread (whose open transaction may hold what a pass waits for).
   */
  public void await(long seq) {
    while (projected < seq) {
      try {
        nudge().get(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StoreException("interrupted while the projections caught up", e);
      } catch (java.util.concurrent.ExecutionException e) {
        // the cause says whether the database was unreachable (StoreException.unreachable reads the chain)
        throw e.getCause() instanceof StoreException known ? known
            : new StoreException("the journal's projections could not catch up: " + e.getCause().getMessage(), e.getCause());
      } catch (java.util.concurrent.TimeoutException e) {
        throw new StoreException("the journal's projections did not catch up within 30 s", e);
      }
      // a pass that ended short of seq (it was queued before seq committed) is followed by another
    }
  }

  /** How far the projections stood when this projector last looked. */
  public long projected() {
    return projected;
  }

  /** Passes until the journal has no event left to project; returns how far the projections then stand. */
  private long runPasses() throws SQLException {
    while (!closed) {
      int applied = pass();
      if (applied < PASS_EVENTS) {
        break;
      }
    }
    return projected;
  }

  /** One projection transaction: at most {@link #PASS_EVENTS} events. Returns how many it applied. */
  private int pass() throws SQLException {
    Connection c = connection();
    try {
      JournalSql.lockProjections(c);
      long from = JournalSql.projectedSeq(c);
      List<Journaled> events = JournalSql.events(c, from, from + PASS_EVENTS);
      if (!events.isEmpty()) {
        Projector.apply(c, events);
      }
      c.commit();
      long to = events.isEmpty() ? from : events.get(events.size() - 1).event().seq();
      projected = Math.max(projected, to);
      journal.projectedAside(to);
      return events.size();
    } catch (SQLException | RuntimeException e) {
      broke(c);
      throw e;
    }
  }

  private Connection connection() throws SQLException {
    if (connection == null) {
      Connection c = connections.open();
      c.setAutoCommit(false);
      connection = c;
    }
    return connection;
  }

  /** After a failed pass: rolls back, and drops a connection that no longer answers (the next pass opens one). */
  private void broke(Connection c) {
    try {
      c.rollback();
      if (c.isValid(2)) {
        return;
      }
    } catch (SQLException ignored) {
      // a connection that cannot roll back is replaced below
    }
    try {
      c.close();
    } catch (SQLException ignored) {
      // it is broken; closing is only tidiness
    }
    connection = null;
    LOG.debug("the journal's projector dropped its connection; the next pass opens another");
  }

  /** Stops after the pass under way (if any) and closes the connection. */
  @Override
  public void close() {
    closed = true;
    thread.shutdown();
    try {
      if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("the journal's projector is still in a pass after 10 s; it stops when the pass ends");
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // closing at stop: nothing more to do
      }
    }
  }
}
