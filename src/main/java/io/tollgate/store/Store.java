package io.tollgate.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The embedded SQLite store. Writes go through one {@link GroupCommitWriter}; reads use a small pool of
 * read-only connections, which WAL mode lets run beside the writer. All methods here block: callers on an
 * event loop go through {@link StoreAccess}.
 */
public final class Store implements AutoCloseable {
  /** Pages of WAL after which a commit of the writer checkpoints (SQLite's default is 1,000). */
  static final int WRITER_CHECKPOINT_PAGES = 4_000;
  /** The {@code kind} of a demo database in {@code store_info}. */
  private static final String DEMO = "demo";

  private final Path file;
  /** The claim on the file; null when opened read-only, as are the writer and the checkpointer. */
  private final StoreLock lock;
  private final GroupCommitWriter writer;
  private final HikariDataSource readers;
  private final Checkpointer checkpointer;
  private volatile Runnable beforeRead = () -> { };
  private volatile Runnable beforeClose = () -> { };
  private final java.util.Map<Class<?>, Object> attachments = new java.util.HashMap<>();

  private Store(Path file, StoreLock lock, GroupCommitWriter writer, HikariDataSource readers, Checkpointer checkpointer) {
    this.file = file;
    this.lock = lock;
    this.writer = writer;
    this.readers = readers;
    this.checkpointer = checkpointer;
  }

  /**
   * Opens (creating when needed) the database file for writing and brings its schema up to date. This process
   * then owns the file until {@link #close()}: a second opener, here or in another process, is refused with a
   * {@link StoreException} naming the owner (see {@link StoreLock}). Everything that writes, start-up recovery of
   * holds included, therefore runs in the one process that owns the file.
   */
  public static Store open(Path file) {
    StoreLock lock = null;
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      lock = StoreLock.acquire(file);
      String url = "jdbc:sqlite:" + file.toAbsolutePath();
      // the driver otherwise runs "SELECT last_insert_rowid()" after every insert; nothing here reads generated keys
      org.sqlite.SQLiteConfig options = new org.sqlite.SQLiteConfig();
      options.setGetGeneratedKeys(false);
      Connection writerConnection = DriverManager.getConnection(url, options.toProperties());
      GroupCommitWriter.execute(writerConnection, "PRAGMA journal_mode=WAL");
      GroupCommitWriter.execute(writerConnection, "PRAGMA synchronous=NORMAL");
      GroupCommitWriter.execute(writerConnection, "PRAGMA busy_timeout=10000");
      GroupCommitWriter.execute(writerConnection, "PRAGMA foreign_keys=ON");
      // checkpoints mostly run on their own thread (Checkpointer); the writer's own, at a larger log than
      // SQLite's default, is what lets the log start over, and finds most frames already copied by then
      GroupCommitWriter.execute(writerConnection, "PRAGMA wal_autocheckpoint=" + WRITER_CHECKPOINT_PAGES);
      // when the log starts over, a file grown by a burst is cut back to this size
      GroupCommitWriter.execute(writerConnection, "PRAGMA journal_size_limit=" + (64L << 20));
      Migrations.apply(writerConnection, "sqlite");
      HikariConfig pool = readerPool(url);
      Connection checkpointConnection = DriverManager.getConnection(url);
      GroupCommitWriter.execute(checkpointConnection, "PRAGMA busy_timeout=10000");
      return new Store(file, lock, new GroupCommitWriter(writerConnection), new HikariDataSource(pool),
          new Checkpointer(checkpointConnection));
    } catch (SQLException | IOException | RuntimeException e) {
      if (lock != null) {
        lock.close();
      }
      if (e instanceof StoreException refused) {
        throw refused;
      }
      throw new StoreException("cannot open the database " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Opens an existing database for writing, as {@link #open} does, but never creates one: for the commands that change
   * a database someone made with {@code tollgate init} or {@code tollgate serve}, so that a mistyped directory is
   * refused instead of receiving a new, empty database.
   */
  public static Store openExisting(Path file) {
    requireExisting(file);
    return open(file);
  }

  private static void requireExisting(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new StoreException("the database " + file + " does not exist (expected: one made by `tollgate init`"
          + " or `tollgate serve` on this data directory; check --data)", null);
    }
  }

  /**
   * Opens an existing database for reading only, without claiming it: beside a running gateway, for commands that
   * only look (ledger verify, listings). Nothing is created or migrated; {@link #write} and {@link #writeNow} refuse.
   */
  public static Store openReadOnly(Path file) {
    requireExisting(file);
    HikariDataSource readers = null;
    try {
      String url = "jdbc:sqlite:" + file.toAbsolutePath();
      HikariConfig pool = readerPool(url);
      org.sqlite.SQLiteConfig options = new org.sqlite.SQLiteConfig();
      options.setReadOnly(true);
      pool.setDataSourceProperties(options.toProperties());
      pool.setReadOnly(true);
      pool.setMinimumIdle(0);
      readers = new HikariDataSource(pool);
      int version;
      try (Connection c = readers.getConnection()) {
        version = Migrations.current(c);
      }
      int latest = Migrations.latest("sqlite");
      if (version < latest) {
        throw new StoreException("the database " + file + " has schema version " + version + " (expected: " + latest
            + "); open it for writing once (`tollgate serve` or a command that writes) to bring it up to date", null);
      }
      return new Store(file, null, null, readers, null);
    } catch (SQLException | RuntimeException e) {
      if (readers != null) {
        readers.close();
      }
      if (e instanceof StoreException known) {
        throw known;
      }
      throw new StoreException("cannot open the database " + file + " for reading: " + e.getMessage(), e);
    }
  }

  private static HikariConfig readerPool(String url) {
    HikariConfig pool = new HikariConfig();
    pool.setJdbcUrl(url);
    pool.setPoolName("tollgate-readers");
    pool.setMaximumPoolSize(4);
    pool.setMinimumIdle(1);
    pool.setConnectionInitSql("PRAGMA busy_timeout=10000");
    return pool;
  }

  /** Whether this store was opened for writing ({@link #open}), and so owns its file. */
  public boolean writable() {
    return writer != null;
  }

  /**
   * Whether this database is the demo's (made by {@code tollgate serve --demo}, see {@link #markDemo()}): a real
   * configuration never serves it, and the demo opens no other.
   */
  public boolean isDemo() {
    return read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT value FROM store_info WHERE name = 'kind'");
          ResultSet rs = s.executeQuery()) {
        return rs.next() && DEMO.equals(rs.getString(1));
      }
    });
  }

  /** Marks this database as the demo's: for the demo, once, on the database it has just created. */
  public void markDemo() {
    writeNow(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO store_info (name, value) VALUES ('kind', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value")) {
        s.setString(1, DEMO);
        return s.executeUpdate();
      }
    });
  }

  public Path file() {
    return file;
  }

  /**
   * Runs read-only work on a pooled connection, once the projections of what has been committed are up to date
   * ({@link #beforeRead}): a read sees every write whose future has completed.
   */
  public <T> T read(SqlWork<T> work) {
    if (writer == null || !writer.isWriterThread()) {
      beforeRead.run();
    }
    try (Connection connection = readers.getConnection()) {
      return work.run(connection);
    } catch (SQLException e) {
      throw new StoreException("read failed: " + e.getMessage(), e);
    }
  }

  /** Queues write work; the future completes once the batch holding it has committed. */
  public <T> CompletableFuture<T> write(SqlWork<T> work) {
    return writer().submit(work);
  }

  /** Writes and waits for the commit: for the command line and start-up, never for an event loop. */
  public <T> T writeNow(SqlWork<T> work) {
    try {
      return writer().submit(work).get();
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
   * The one object of {@code type} attached to this store, made by {@code create} on first use: state that must
   * exist once per database (the accounting core that owns its journal), whoever asks first.
   */
  public synchronized <T> T attachment(Class<T> type, java.util.function.Supplier<T> create) {
    Object existing = attachments.get(type);
    if (existing == null) {
      existing = create.get();
      attachments.put(type, existing);
    }
    return type.cast(existing);
  }

  /**
   * Runs {@code hook} before every {@link #read} (on the reading thread, never the writer's): the owner of tables
   * projected off the write path brings them up to date there, so a read sees what was committed before it.
   */
  public void beforeRead(Runnable hook) {
    this.beforeRead = java.util.Objects.requireNonNull(hook, "hook");
  }

  /** Runs {@code hook} once when the store is closed, while the writer still takes work: projections catch up there. */
  public void beforeClose(Runnable hook) {
    this.beforeClose = java.util.Objects.requireNonNull(hook, "hook");
  }

  /** Runs {@code hook} on the writer thread after each commit, before the committed work's futures complete. */
  public void afterCommit(Runnable hook) {
    writer().afterCommit(hook);
  }

  /** Whether the calling thread is the writer's: work there must never wait for a write. */
  public boolean onWriterThread() {
    return writer != null && writer.isWriterThread();
  }

  /**
   * Runs {@code hook} on the writer thread after a batch was rolled back, with the writer's connection, so that
   * in-memory state derived from writes can be rebuilt from what is actually committed.
   */
  public void afterRollback(SqlWork<?> hook) {
    writer().afterRollback(c -> {
      try {
        hook.run(c);
      } catch (java.sql.SQLException e) {
        throw new StoreException("rebuild after rollback failed: " + e.getMessage(), e);
      }
    });
  }

  /**
   * Checkpoints now, on the checkpointer's connection, as it does every {@value Checkpointer#INTERVAL_MS} ms;
   * returns the frames in the log and the frames copied into the database file so far.
   */
  public long[] checkpoint() {
    if (checkpointer == null) {
      throw readOnly();
    }
    try {
      return checkpointer.checkpoint();
    } catch (SQLException e) {
      throw new StoreException("checkpoint failed: " + e.getMessage(), e);
    }
  }

  /**
   * Sets how far each later commit is durable ({@code PRAGMA synchronous} on the writer's connection): {@code NORMAL}
   * survives a crash of the process, {@code FULL} a power loss too. It applies from the writer's next transaction
   * (SQLite changes it only between transactions).
   */
  public void sync(String pragmaValue) {
    if (!pragmaValue.equals("NORMAL") && !pragmaValue.equals("FULL")) {
      throw new IllegalArgumentException("sync: " + pragmaValue + " (expected: NORMAL or FULL)");
    }
    writer().sync(pragmaValue);
  }

  /** The writer connection's {@code synchronous} setting: 1 for NORMAL, 2 for FULL. */
  public int syncLevel() {
    return writeNow(c -> {
      try (PreparedStatement s = c.prepareStatement("PRAGMA synchronous"); ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getInt(1) : -1;
      }
    });
  }

  /** Transactions the writer has committed, and the pieces of work they held, since the store opened. */
  public long[] commitCounts() {
    return writer == null ? new long[2] : writer.commitCounts();
  }

  private GroupCommitWriter writer() {
    if (writer == null) {
      throw readOnly();
    }
    return writer;
  }

  private StoreException readOnly() {
    return new StoreException("the database " + file + " was opened read-only (expected: Store.open, which claims"
        + " the file for writing)", null);
  }

  public boolean isOpen() {
    return !readers.isClosed();
  }

  /** Closes the connections, then gives up the claim on the file, so that the next owner finds it settled. */
  @Override
  public void close() {
    try {
      if (writer != null) {
        try {
          beforeClose.run();
        } catch (RuntimeException e) {
          org.slf4j.LoggerFactory.getLogger(Store.class).warn("before closing the store: {}", e.getMessage());
        }
        writer.close();
      }
      readers.close();
      if (checkpointer != null) {
        checkpointer.close();
      }
    } finally {
      if (lock != null) {
        lock.close();
      }
    }
  }
}
