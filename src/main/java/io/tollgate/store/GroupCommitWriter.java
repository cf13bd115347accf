package io.tollgate.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The single writer. Work queued while a transaction commits is run together in the next one, so a burst of
 * requests costs one commit rather than one per request. Each piece of work runs under its own savepoint:
 * one failing piece is rolled back alone and the rest of the batch still commits. A future completes only
 * after its batch has committed.
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

  private void runBatch(List<Task<?>> batch) {
    List<Runnable> completions = new ArrayList<>(batch.size());
    try {
      for (Task<?> task : batch) {
        completions.add(runOne(task));
      }
      connection.commit();
      completions.forEach(Runnable::run);
    } catch (SQLException | RuntimeException | Error e) {
      try {
        connection.rollback();
      } catch (SQLException ignored) {
        // the failure below is the one worth reporting
      }
      try {
        // state kept beside the database (limit counters) must forget the rolled-back batch
        afterRollback.accept(connection);
        // the hook only reads: end its read transaction so the next batch starts on a fresh snapshot
        connection.rollback();
      } catch (RuntimeException | SQLException hookFailure) {
        e.addSuppressed(hookFailure);
      }
      StoreException failure = new StoreException("commit failed: " + e.getMessage(), e);
      batch.forEach(task -> task.result().completeExceptionally(failure));
    }
  }

  private <T> Runnable runOne(Task<T> task) throws SQLException {
    Savepoint savepoint = connection.setSavepoint();
    try {
      T value = task.work().run(connection);
      connection.releaseSavepoint(savepoint);
      return () -> task.result().complete(value);
    } catch (SQLException | RuntimeException | StackOverflowError e) {
      connection.rollback(savepoint);
      return () -> task.result().completeExceptionally(e);
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
