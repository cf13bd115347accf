package io.tollgate.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The single writer. Work queued while a transaction commits is run together in the next one, so a burst of
 * requests costs one commit rather than one per request. A failing piece of work is rolled back alone and the
 * rest of the batch still commits (see {@link #runBatch}). A future completes only after its work has committed.
 */
final class GroupCommitWriter implements AutoCloseable {
  private static final int MAX_BATCH = 512;

  private record Task<T>(SqlWork<T> work, CompletableFuture<T> result) {}

  private static final Task<Void> STOP = new Task<>(c -> null, new CompletableFuture<>());

  private final Connection connection;
  private final BlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile boolean closed;
  private volatile java.util.function.Consumer<Connection> afterRollback = c -> { };

  GroupCommitWriter(Connection connection) throws SQLException {
    this.connection = StatementCache.wrap(connection);
    this.connection.setAutoCommit(false);
    this.thread = new Thread(this::loop, "tollgate-store-writer");
    thread.setDaemon(true);
    thread.start();
  }

  void afterRollback(java.util.function.Consumer<Connection> hook) {
    this.afterRollback = hook;
  }

  <T> CompletableFuture<T> submit(SqlWork<T> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    if (closed) {
      result.completeExceptionally(new StoreException("the store is closed", null));
      return result;
    }
    queue.add(new Task<>(work, result));
    return result;
  }

  private void loop() {
    List<Task<?>> batch = new ArrayList<>();
    boolean stopping = false;
    while (!stopping) {
      try {
        batch.add(queue.take());
        queue.drainTo(batch, MAX_BATCH - 1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      stopping = batch.remove(STOP);
      if (!batch.isEmpty()) {
        runBatch(batch);
      }
      batch.clear();
    }
  }

  /**
   * Runs the batch in one transaction, optimistically: no savepoint per task. When a task fails, the whole
   * batch is rolled back, state beside the database is rebuilt, and the tasks are run again one transaction
   * each, so the failing one fails alone and the others still commit. Failures are rare (a conflict, a refused
   * debit), so the common batch pays no savepoint statements.
   */
  private void runBatch(List<Task<?>> batch) {
    List<Runnable> completions = new ArrayList<>(batch.size());
    try {
      for (Task<?> task : batch) {
        completions.add(succeed(task, task.work().run(connection)));
      }
      connection.commit();
      completions.forEach(Runnable::run);
      return;
    } catch (SQLException | RuntimeException | Error e) {
      rollback(e);
      if (batch.size() == 1) {
        batch.get(0).result().completeExceptionally(e instanceof Error ? new StoreException("commit failed: " + e, e) : e);
        return;
      }
    }
    for (Task<?> task : batch) {
      runAlone(task);
    }
  }

  private <T> Runnable succeed(Task<T> task, Object value) {
    @SuppressWarnings("unchecked")
    T typed = (T) value;
    return () -> task.result().complete(typed);
  }

  private <T> void runAlone(Task<T> task) {
    try {
      T value = task.work().run(connection);
      connection.commit();
      task.result().complete(value);
    } catch (SQLException | RuntimeException | Error e) {
      rollback(e);
      task.result().completeExceptionally(e instanceof Error ? new StoreException("commit failed: " + e, e) : e);
    }
  }

  /** Rolls the transaction back and lets state kept beside the database (limit counters) forget it. */
  private void rollback(Throwable cause) {
    try {
      connection.rollback();
    } catch (SQLException ignored) {
      // the cause is the failure worth reporting
    }
    try {
      afterRollback.accept(connection);
      // the hook only reads: end its read transaction so the next write starts on a fresh snapshot
      connection.rollback();
    } catch (RuntimeException | SQLException hookFailure) {
      cause.addSuppressed(hookFailure);
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
      thread.join(5_000);
      connection.close();
    } catch (InterruptedException | SQLException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Runs {@code sql} directly, outside any batch; only for set-up before the writer takes work. */
  static void execute(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }
}
