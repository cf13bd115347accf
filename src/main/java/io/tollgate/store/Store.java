package io.tollgate.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The embedded SQLite store. Writes go through one {@link GroupCommitWriter}; reads use a small pool of
 * read-only connections, which WAL mode lets run beside the writer. All methods here block: callers on an
 * event loop go through {@link StoreAccess}.
 */
public final class Store implements AutoCloseable {
  private final Path file;
  private final GroupCommitWriter writer;
  private final HikariDataSource readers;

  private Store(Path file, GroupCommitWriter writer, HikariDataSource readers) {
    this.file = file;
    this.writer = writer;
    this.readers = readers;
  }

  /** Opens (creating when needed) the database file and brings its schema up to date. */
  public static Store open(Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      String url = "jdbc:sqlite:" + file.toAbsolutePath();
      Connection writerConnection = DriverManager.getConnection(url);
      GroupCommitWriter.execute(writerConnection, "PRAGMA journal_mode=WAL");
      GroupCommitWriter.execute(writerConnection, "PRAGMA synchronous=NORMAL");
      GroupCommitWriter.execute(writerConnection, "PRAGMA busy_timeout=10000");
      GroupCommitWriter.execute(writerConnection, "PRAGMA foreign_keys=ON");
      Migrations.apply(writerConnection, "sqlite");
      HikariConfig pool = new HikariConfig();
      pool.setJdbcUrl(url);
      pool.setPoolName("tollgate-readers");
      pool.setMaximumPoolSize(4);
      pool.setMinimumIdle(1);
      pool.setConnectionInitSql("PRAGMA busy_timeout=10000");
      return new Store(file, new GroupCommitWriter(writerConnection), new HikariDataSource(pool));
    } catch (SQLException | IOException e) {
      throw new StoreException("cannot open the database " + file + ": " + e.getMessage(), e);
    }
  }

  public Path file() {
    return file;
  }

  /** Runs read-only work on a pooled connection. */
  public <T> T read(SqlWork<T> work) {
    try (Connection connection = readers.getConnection()) {
      return work.run(connection);
    } catch (SQLException e) {
      throw new StoreException("read failed: " + e.getMessage(), e);
    }
  }

  /** Queues write work; the future completes once the batch holding it has committed. */
  public <T> CompletableFuture<T> write(SqlWork<T> work) {
    return writer.submit(work);
  }

  /** Writes and waits for the commit: for the command line and start-up, never for an event loop. */
  public <T> T writeNow(SqlWork<T> work) {
    try {
      return writer.submit(work).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while writing", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new StoreException("write failed: " + e.getCause().getMessage(), e.getCause());
    }
  }

  /**
   * Runs {@code hook} on the writer thread after a batch was rolled back, with the writer's connection, so that
   * in-memory state derived from writes can be rebuilt from what is actually committed.
   */
  public void afterRollback(SqlWork<?> hook) {
    writer.afterRollback(c -> {
      try {
        hook.run(c);
      } catch (java.sql.SQLException e) {
        throw new StoreException("rebuild after rollback failed: " + e.getMessage(), e);
      }
    });
  }

  public boolean isOpen() {
    return !readers.isClosed();
  }

  @Override
  public void close() {
    writer.close();
    readers.close();
  }
}
