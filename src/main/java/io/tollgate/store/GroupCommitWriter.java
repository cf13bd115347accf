package io.tollgate.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer. Work queued while a transaction runs joins it, and work queued while it commits is run
 * together in the next one, so a burst of requests costs one commit rather than one per request. A failing piece
 * of work is rolled back alone and the rest of the batch still commits (see {@link #runBatch}). A future
 * completes only after its work has committed. Work submitted {@link #submitAside aside} never joins a batch of other
 * work: it runs after the batch it was queued beside, with the other aside work, in a transaction of their own.
 */
final class GroupCommitWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GroupCommitWriter.class);
  private static final int MAX_BATCH = 512;
  static final long CLOSE_WAIT_MS = 5_000;

  /** {@code aside}: run in a transaction of its own that starts with {@link #asideTransaction}, not the lock. */
  private record Task<T>(SqlWork<T> work, CompletableFuture<T> result, boolean aside) {}

  private static final Task<Void> STOP = new Task<>(c -> null, new CompletableFuture<>(), false);
  /** Asks for {@link #rewind}; see {@link #rewindLog}. */
  private static final Task<Void> REWIND = new Task<>(c -> null, new CompletableFuture<>(), false);

  private Connection connection;
  /** Opens a new connection when the one in use breaks (a server that restarted); null for an embedded file. */
  private final ConnectionSource reconnect;
  /** Runs first in every transaction, on its connection: a shared store's lock and journal tail. */
  private volatile SqlWork<?> beforeTransaction = c -> null;
  /**
   * Runs first in a transaction of work submitted {@link #submitAside aside}: the journal's tail without its lock.
   */
  private volatile SqlWork<?> asideTransaction = c -> null;
  /** Runs last in every transaction, just before its commit: the journal's rows, written in one batch. */
  private volatile SqlWork<?> beforeCommit = c -> null;
  /** Set when the connection broke and no new one could be opened yet: the next batch opens one first. */
  private boolean broken;
  private long failedReconnects;
  private final BlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile boolean closed;
  private volatile java.util.function.Consumer<Connection> afterRollback = c -> { };
  private volatile Runnable afterCommit = () -> { };
  private volatile Runnable transactionEnded = () -> { };
  /** A {@code synchronous} pragma value to apply before the next transaction; null when none is waiting. */
  private volatile String pendingSync;
  /** Set on the writer thread when {@link #STOP} is taken from the queue: the current batch is the last. */
  private boolean stopping;
  /** Set on the writer thread when {@link #REWIND} is taken from the queue, until the batches it came with are done. */
  private boolean rewindWanted;
  /** Rewinds that failed in a row: the warning is logged for the first and then every {@link #REWIND_WARN_EVERY}th. */
  private long failedRewinds;
  static final long REWIND_WARN_EVERY = 1_000;
  private volatile long commits;
  private volatile long committedTasks;
  private final long closeWaitMs;

  /** Opens a connection for the writer; for a server database, called again when the one in use breaks. */
  @FunctionalInterface
  interface ConnectionSource {
    Connection open() throws SQLException;
  }

  GroupCommitWriter(Connection connection) throws SQLException {
    this(connection, CLOSE_WAIT_MS, null);
  }

  GroupCommitWriter(Connection connection, long closeWaitMs) throws SQLException {
    this(connection, closeWaitMs, null);
  }

  /**
   * {@code closeWaitMs}: how long {@link #close} waits for queued work before it returns; {@code reconnect}: how to
   * replace a broken connection (null: never, as for a file, whose connection does not break).
   */
  GroupCommitWriter(Connection connection, long closeWaitMs, ConnectionSource reconnect) throws SQLException {
    this.closeWaitMs = closeWaitMs;
    this.reconnect = reconnect;
    this.connection = StatementCache.wrap(connection);
    this.connection.setAutoCommit(false);
    this.thread = new Thread(this::loop, "tollgate-store-writer");
    thread.setDaemon(true);
    thread.start();
  }

  /** Runs {@code hook} at the start of every transaction, before its work; a failure fails the transaction. */
  void beforeTransaction(SqlWork<?> hook) {
    this.beforeTransaction = hook;
  }

  /** Runs {@code hook} at the start of every transaction of work submitted {@link #submitAside aside}. */
  void asideTransaction(SqlWork<?> hook) {
    this.asideTransaction = hook;
  }

  /** Runs {@code hook} at the end of every transaction, after its work, just before the commit; a failure fails it. */
  void beforeCommit(SqlWork<?> hook) {
    this.beforeCommit = hook;
  }

  void afterRollback(java.util.function.Consumer<Connection> hook) {
    this.afterRollback = hook;
  }

  /** Runs {@code hook} on the writer thread as each transaction ends, committed or rolled back (the lock it took ends). */
  void onTransactionEnd(Runnable hook) {
    this.transactionEnded = hook;
  }

  /** Runs {@code hook} on the writer thread after each commit, before the committed work's futures complete. */
  void afterCommit(Runnable hook) {
    this.afterCommit = hook;
  }

  /**
   * Runs {@code statement} (SQLite's {@code PRAGMA synchronous=...}, PostgreSQL's {@code SET synchronous_commit ...})
   * between two transactions, before the next one.
   */
  void sync(String statement) {
    pendingSync = statement;
    // an empty task wakes the writer, so the level applies before any work queued after this call
    submit(c -> null);
  }

  private void applySync() {
    String value = pendingSync;
    if (value == null) {
      return;
    }
    pendingSync = null;
    try {
      connection.commit();
      connection.setAutoCommit(true);
      try {
        execute(connection, value);
      } finally {
        connection.setAutoCommit(false);
      }
    } catch (SQLException e) {
      LOG.error("could not run '{}': commits keep the durability they had", value, e);
    }
  }

  /** Whether the calling thread is the writer's: work running there must never wait for the writer. */
  boolean isWriterThread() {
    return Thread.currentThread() == thread;
  }

  <T> CompletableFuture<T> submit(SqlWork<T> work) {
    return submit(work, false);
  }

  /**
   * Queues work that runs in a transaction of its own, after the batch under way, which starts with
   * {@link #asideTransaction} instead of {@link #beforeTransaction}: on a shared store, work that must not hold the
   * journal's lock (the projections, which take a lock of their own).
   */
  <T> CompletableFuture<T> submitAside(SqlWork<T> work) {
    return submit(work, true);
  }

  private <T> CompletableFuture<T> submit(SqlWork<T> work, boolean aside) {
    CompletableFuture<T> result = new CompletableFuture<>();
    if (closed) {
      result.completeExceptionally(closedError());
      return result;
    }
    Task<T> task = new Task<>(work, result, aside);
    queue.add(task);
    if (closed && queue.remove(task)) {
      // close() came between the check and the add: the writer may be gone, and never take this
      result.completeExceptionally(closedError());
    }
    return result;
  }

  /**
   * Asks the writer to start SQLite's write-ahead log over as soon as it has nothing else to do: a checkpoint has just
   * copied every frame. The first write after that starts the log over, and with {@code synchronous=NORMAL} syncs the
   * log's new header; without this, that fsync (about 0.7 ms here) fell on the next request's hold, before its upstream
   * call. Made here, it costs a request only when one arrives during it. Skipped when work came with it or is queued:
   * that work starts the log over itself, at one fsync for its whole batch. A file's writer only (a server database has no such log).
   */
  void rewindLog() {
    // a server's writer (one that can reconnect) has no SQLite log: a rewind there would be a needless write
    if (!closed && reconnect == null) {
      queue.add(REWIND);
    }
  }

  /**
   * The write that starts the log over: the database's user version set to what it is, which changes nothing but
   * writes a page. Neither a commit nor a task in {@link #commitCounts}: counted as one, it would make the next
   * checkpoint due, and that checkpoint another rewind, for ever on an idle gateway.
   */
  private void rewind() {
    try (Statement s = connection.createStatement()) {
      long version;
      try (java.sql.ResultSet rs = s.executeQuery("PRAGMA user_version")) {
        rs.next();
        version = rs.getLong(1);
      }
      s.execute("PRAGMA user_version = " + version);
      connection.commit();
      failedRewinds = 0;
    } catch (Throwable e) {
      // nothing was lost: the next write starts the log over, as it would have without this; and whatever failed
      // here (an Error too) must not end the writer thread, or every later write would wait for ever. A rewind is
      // asked for after every complete checkpoint, up to five a second: a lasting cause is logged now and then
      if (failedRewinds++ % REWIND_WARN_EVERY == 0) {
        LOG.warn("could not start the write-ahead log over while idle ({} failed in a row): {}", failedRewinds,
            e.toString());
      }
      rollback(e);
    }
  }

  /** Commits made, and tasks committed by them: their ratio is how much group commit batched. */
  long[] commitCounts() {
    return new long[] {commits, committedTasks};
  }

  /** The writer thread: batches until {@link #STOP}, then fails what is left and closes the connection it owns. */
  private void loop() {
    try {
      writeUntilStopped();
    } finally {
      // work that raced with close() and landed behind STOP: fail it rather than leave its future waiting forever
      for (Task<?> late; (late = queue.poll()) != null; ) {
        late.result().completeExceptionally(closedError());
      }
      try {
        connection.close();
      } catch (SQLException e) {
        LOG.warn("closing the store writer's connection failed: {}", e.getMessage());
      }
    }
  }

  private void writeUntilStopped() {
    List<Task<?>> batch = new ArrayList<>();
    while (!stopping) {
      try {
        admit(queue.take(), batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      drainInto(batch);
      applySync();
      // work written in this round started the log over itself: a rewind after it would only append a page
      boolean wrote = !batch.isEmpty() || !asides.isEmpty();
      if (!batch.isEmpty()) {
        runBatch(batch, false);
      }
      batch.clear();
      runAsides();
      if (rewindWanted) {
        rewindWanted = false;
        if (!wrote && !stopping && queue.isEmpty()) {
          rewind();
        }
      }
    }
    runAsides();
  }

  /** Work submitted aside, met while batching: run after the batch, together, in a transaction of their own. */
  private final List<Task<?>> asides = new ArrayList<>();

  private void runAsides() {
    while (!asides.isEmpty()) {
      List<Task<?>> now = new ArrayList<>(asides);
      asides.clear();
      runBatch(now, true);
    }
  }

  /** Moves queued work into {@code batch}, up to {@link #MAX_BATCH}; notes a {@link #STOP} met on the way. */
  private void drainInto(List<Task<?>> batch) {
    while (!stopping && batch.size() < MAX_BATCH) {
      Task<?> next = queue.poll();
      if (next == null) {
        return;
      }
      admit(next, batch);
    }
  }

  private void admit(Task<?> task, List<Task<?>> batch) {
    if (task == STOP) {
      stopping = true;
    } else if (task == REWIND) {
      rewindWanted = true;
    } else if (task.aside()) {
      asides.add(task);
    } else {
      batch.add(task);
    }
  }

  private static StoreException closedError() {
    return new StoreException("the store is closed", null);
  }

  /**
   * Runs the batch in one transaction, optimistically: no savepoint per task. Work queued while the batch runs
   * joins it before the commit (it would otherwise wait for this commit and then pay one of its own). When a task
   * fails, the whole batch is rolled back, state beside the database is rebuilt, and the tasks are run again one
   * transaction each, so the failing one fails alone and the others still commit. Failures are rare (a conflict,
   * a refused debit), so the common batch pays no savepoint statements. A batch of work submitted {@code aside}
   * starts with {@link #asideTransaction} and takes in no work queued meanwhile.
   */
  private void runBatch(List<Task<?>> batch, boolean aside) {
    List<Runnable> completions = new ArrayList<>(batch.size());
    try {
      begin(aside);
      for (int i = 0; i < batch.size(); i++) {
        Task<?> task = batch.get(i);
        completions.add(succeed(task, task.work().run(connection)));
        if (i == batch.size() - 1 && !aside) {
          drainInto(batch);
        }
      }
      beforeCommit.run(connection);
      connection.commit();
    } catch (SQLException | RuntimeException | Error e) {
      rollback(e);
      if (batch.size() == 1) {
        batch.get(0).result().completeExceptionally(e instanceof Error ? new StoreException("commit failed: " + e, e) : e);
        return;
      }
      for (Task<?> task : batch) {
        runAlone(task);
      }
      return;
    }
    // committed: from here on nothing rolls back or runs the work again, whatever a hook throws
    ended(batch.size());
    completions.forEach(Runnable::run);
  }

  /** After a commit of {@code tasks} pieces of work: the lock it held ends, it is counted, the hook runs. */
  private void ended(int tasks) {
    transactionEnded.run();
    counted(tasks);
    committed();
  }

  private <T> Runnable succeed(Task<T> task, Object value) {
    @SuppressWarnings("unchecked")
    T typed = (T) value;
    return () -> task.result().complete(typed);
  }

  private <T> void runAlone(Task<T> task) {
    T value;
    try {
      begin(task.aside());
      value = task.work().run(connection);
      beforeCommit.run(connection);
      connection.commit();
    } catch (SQLException | RuntimeException | Error e) {
      rollback(e);
      task.result().completeExceptionally(e instanceof Error ? new StoreException("commit failed: " + e, e) : e);
      return;
    }
    ended(1);
    task.result().complete(value);
  }

  /**
   * Starts a transaction: a connection that broke is replaced first (see {@link #repair}), then the hook runs
   * ({@link #asideTransaction}'s for work submitted aside).
   */
  private void begin(boolean aside) throws SQLException {
    if (broken && !repair()) {
      throw new StoreException("the database is unreachable (the writer could not reconnect)", null, false, true);
    }
    (aside ? asideTransaction : beforeTransaction).run(connection);
  }

  /**
   * Replaces a broken connection and lets state kept beside the database be rebuilt on the new one, since the work
   * that failed with the old one may have changed it. False, and still broken, when no connection could be opened.
   */
  private boolean repair() {
    try {
      connection.close();
    } catch (SQLException ignored) {
      // it is broken; closing is only tidiness
    }
    try {
      Connection fresh = StatementCache.wrap(reconnect.open());
      fresh.setAutoCommit(false);
      connection = fresh;
      afterRollback.accept(connection);
      connection.rollback();
      broken = false;
      LOG.info("the store writer reconnected to the database after {} failed attempt(s)", failedReconnects);
      failedReconnects = 0;
      return true;
    } catch (SQLException | RuntimeException e) {
      // once per outage, then every hundredth attempt: a database that is down is tried at every transaction
      if (failedReconnects++ % 100 == 0) {
        LOG.warn("the store writer cannot reconnect to the database (attempt {}): {}", failedReconnects, e.getMessage());
      }
      return false;
    }
  }

  private void committed() {
    try {
      afterCommit.run();
    } catch (RuntimeException | Error e) {
      // the commit stands, and its work must not run again: the hook's owner must repair its own state (it logs what
      // failed); the futures of the committed work still complete
      LOG.error("the after-commit hook failed", e);
    }
  }

  private void counted(int tasks) {
    // only the writer thread writes these; readers see a recent pair, which is all a metric needs
    commits++;
    committedTasks += tasks;
  }

  /** Rolls the transaction back and lets state kept beside the database (limit counters) forget it. */
  private void rollback(Throwable cause) {
    try {
      connection.rollback();
    } catch (SQLException failed) {
      // the cause is the failure worth reporting. But the engine may have ended the transaction itself (SQLite does
      // on a full disk, an I/O error, a RAISE(ROLLBACK)): its driver then starts no new one, and every statement
      // after would commit on its own, a failing task's writes included. One is started here
      if (reconnect == null) {
        restartTransaction(cause);
      }
    }
    transactionEnded.run();
    if (reconnect != null && !valid()) {
      // the state beside the database is rebuilt on the next connection, which the next transaction opens
      broken = true;
      repair();
      return;
    }
    try {
      afterRollback.accept(connection);
      // the hook only reads: end its read transaction so the next write starts on a fresh snapshot
      connection.rollback();
    } catch (RuntimeException | SQLException hookFailure) {
      cause.addSuppressed(hookFailure);
    }
  }

  /** Begins a transaction on a file's connection left outside any; nothing when one is open already. */
  private void restartTransaction(Throwable cause) {
    try (java.sql.Statement begin = connection.createStatement()) {
      begin.execute("BEGIN");
    } catch (SQLException alreadyOpen) {
      // "cannot start a transaction within a transaction": the rollback failed for another reason, and the
      // transaction it could not end is still the connection's; the next rollback or commit ends it
      if (!String.valueOf(alreadyOpen.getMessage()).contains("within a transaction")) {
        cause.addSuppressed(alreadyOpen);
      }
    }
  }

  private boolean valid() {
    try {
      return connection.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    queue.add(STOP);
    try {
      thread.join(closeWaitMs);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      // never close the connection under running work: the writer closes it itself once the queue is done
      LOG.warn("the store writer is still committing queued work after {} ms; it closes the database when done", closeWaitMs);
    }
  }

  /** Runs {@code sql} directly, outside any batch; only for set-up before the writer takes work. */
  static void execute(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }
}
