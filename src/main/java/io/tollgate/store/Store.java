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
 * The store: an embedded SQLite file ({@link #open}) or a PostgreSQL database shared by several gateway processes
 * ({@link #openPostgres}). Either way writes go through one {@link GroupCommitWriter} per process and reads use a
 * small pool of connections beside it; the SQL above this class runs unchanged on both (what differs between the two
 * dialects is here, in the migrations under {@code db/<dialect>/}, and in the journal's SQL). All methods here block:
 * callers on an event loop go through {@link StoreAccess}.
 */
public final class Store implements AutoCloseable {
  /** The engine behind a store. */
  public enum Kind {
    SQLITE("sqlite"),
    POSTGRES("postgres");

    private final String dialect;

    Kind(String dialect) {
      this.dialect = dialect;
    }

    /** The name of the migrations' folder, {@code db/<dialect>/}. */
    public String dialect() {
      return dialect;
    }
  }

  /**
   * The advisory lock every write transaction on a PostgreSQL store holds until it ends: the processes sharing the
   * database then append to the journal one transaction at a time, each after reading what the others appended.
   */
  static final String JOURNAL_LOCK = "hashtext('tollgate-journal:' || coalesce(current_schema(), ''))";
  /** The advisory lock a process holds while it migrates a PostgreSQL schema, so two starting together do not race. */
  private static final String MIGRATION_LOCK = "hashtext('tollgate-migrate:' || coalesce(current_schema(), ''))";
  /** Pages of WAL after which a commit of the writer checkpoints (SQLite's default is 1,000). */
  static final int WRITER_CHECKPOINT_PAGES = 4_000;
  /** The {@code kind} of a demo database in {@code store_info}. */
  private static final String DEMO = "demo";

  private final Kind kind;
  private final Path file;
  /** A PostgreSQL store's database and this process's node name in it; null for a file. */
  private final PostgresTarget target;
  /** The claim on the file; null when opened read-only, as are the writer and the checkpointer. */
  private final StoreLock lock;
  private final GroupCommitWriter writer;
  private final HikariDataSource readers;
  private final Checkpointer checkpointer;
  /** The journal's advisory lock, taken and measured; null on a file, which has one writer. */
  private JournalLockMeter journalLock;
  private volatile Runnable beforeRead = () -> { };
  private volatile Runnable beforeClose = () -> { };
  private final java.util.Map<Class<?>, Object> attachments = new java.util.HashMap<>();

  private Store(Path file, StoreLock lock, GroupCommitWriter writer, HikariDataSource readers, Checkpointer checkpointer) {
    this(Kind.SQLITE, file, null, lock, writer, readers, checkpointer);
  }

  private Store(Kind kind, Path file, PostgresTarget target, StoreLock lock, GroupCommitWriter writer,
      HikariDataSource readers, Checkpointer checkpointer) {
    this.kind = kind;
    this.target = target;
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
      GroupCommitWriter writer = new GroupCommitWriter(writerConnection);
      return new Store(file, lock, writer, new HikariDataSource(pool),
          new Checkpointer(checkpointConnection, () -> writer.commitCounts()[1], writer::rewindLog));
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

  /**
   * Opens (migrating when needed) a PostgreSQL database shared with other gateway processes. Nothing is claimed: every
   * write transaction takes the journal's advisory lock ({@link #JOURNAL_LOCK}) first, so processes write one
   * transaction at a time; the accounting core reads the others' events at the start of each one (see
   * {@code ledger.journal.Journal}). A broken writer connection is replaced at the next transaction.
   */
  public static Store openPostgres(PostgresTarget target) {
    HikariDataSource readers = null;
    Connection writerConnection = null;
    try {
      writerConnection = target.connect();
      migrate(writerConnection);
      claimNode(writerConnection, target);
      HikariConfig pool = new HikariConfig();
      pool.setJdbcUrl(target.url());
      pool.setDataSourceProperties(target.properties());
      pool.setPoolName("tollgate-readers");
      pool.setMaximumPoolSize(target.poolSize());
      pool.setMinimumIdle(0);
      // a database that cannot be reached fails a read in seconds (503 accounting_unavailable), not in Hikari's 30
      pool.setConnectionTimeout(PostgresTarget.CONNECT_TIMEOUT_S * 1000L);
      pool.setInitializationFailTimeout(-1);
      pool.setReadOnly(true);
      readers = new HikariDataSource(pool);
      GroupCommitWriter writer = new GroupCommitWriter(writerConnection, GroupCommitWriter.CLOSE_WAIT_MS, () -> {
        // a new connection claims the node name again: if another process took it meanwhile, this one stays out
        Connection fresh = target.connect();
        try {
          claimNode(fresh, target);
        } catch (StoreException e) {
          fresh.close();
          throw new SQLException(e.getMessage(), e);
        }
        return fresh;
      });
      JournalLockMeter journalLock = new JournalLockMeter();
      writer.beforeTransaction(journalLock::take);
      writer.onTransactionEnd(journalLock::released);
      Store store = new Store(Kind.POSTGRES, null, target, null, writer, readers, null);
      store.journalLock = journalLock;
      return store;
    } catch (SQLException | RuntimeException e) {
      if (readers != null) {
        readers.close();
      }
      if (writerConnection != null) {
        try {
          writerConnection.close();
        } catch (SQLException ignored) {
          // the failure to open is the one worth reporting
        }
      }
      throw new StoreException("cannot open the database " + target.shown() + ": " + e.getMessage(), e, false,
          StoreException.unreachable(e));
    }
  }

  /**
   * Claims {@code target}'s node name for this process for as long as the writer's connection lives (a session
   * advisory lock, which PostgreSQL drops when the connection ends, {@code kill -9} included). Two live processes under
   * one name would void each other's holds at a restart, so a second one is refused.
   */
  private static void claimNode(Connection c, PostgresTarget target) throws SQLException {
    // advisory locks are the database's, not a schema's: each key names the schema, so clusters in two schemas of one
    // database never meet (NodeLock.alive reads the same lock)
    try (PreparedStatement s = c.prepareStatement("SELECT pg_try_advisory_lock(" + NodeLock.keys("?") + ")")) {
      s.setString(1, target.node());
      try (ResultSet rs = s.executeQuery()) {
        if (rs.next() && rs.getBoolean(1)) {
          return;
        }
      }
    }
    throw new StoreException("the node name '" + target.node() + "' is in use by another gateway process on "
        + target.shown() + " (expected: a name of its own for each process, store.node); stop the other process or"
        + " give this one another name", null, true);
  }

  private static void migrate(Connection c) throws SQLException {
    try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_lock(" + MIGRATION_LOCK + ")")) {
      lock.execute();
    }
    try {
      Migrations.apply(c, Kind.POSTGRES.dialect());
    } finally {
      try (PreparedStatement unlock = c.prepareStatement("SELECT pg_advisory_unlock(" + MIGRATION_LOCK + ")")) {
        unlock.execute();
      }
    }
  }

  public Kind kind() {
    return kind;
  }

  /**
   * Whether other gateway processes may write this database too (PostgreSQL): the journal then has events this
   * process did not decide, and holds of other processes that only their expiry may end here.
   */
  public boolean shared() {
    return kind == Kind.POSTGRES;
  }

  /** How this process waited for and held the journal's advisory lock; null for a file, which has one writer. */
  public JournalLockMeter journalLock() {
    return journalLock;
  }

  /** This process's name in a shared journal; null for a file, which has one writer. */
  public String node() {
    return target == null ? null : target.node();
  }

  /** The file, or the database's URL without its query: for messages. */
  public String describe() {
    return file != null ? file.toAbsolutePath().normalize().toString() : target.shown();
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

  /** The database file; null for a PostgreSQL store (see {@link #describe}). */
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
    return readAsIs(work);
  }

  /**
   * Runs read-only work on a pooled connection as the tables are now, without bringing the projections up to date
   * first: for the owner of the projections, to learn whether they are behind. On PostgreSQL a pooled connection
   * that broke while the server was away is dropped and the work runs once more on a fresh one.
   */
  public <T> T readAsIs(SqlWork<T> work) {
    try {
      return readOnce(work);
    } catch (StoreException e) {
      if (kind == Kind.POSTGRES && StoreException.unreachable(e)) {
        return readOnce(work);
      }
      throw e;
    }
  }

  private <T> T readOnce(SqlWork<T> work) {
    try (Connection connection = readers.getConnection()) {
      return work.run(connection);
    } catch (SQLException e) {
      throw new StoreException("read failed: " + e.getMessage(), e, false, StoreException.unreachable(e));
    }
  }

  /** Queues write work; the future completes once the batch holding it has committed. */
  public <T> CompletableFuture<T> write(SqlWork<T> work) {
    return writer().submit(work);
  }

  /**
   * Queues write work that runs in a transaction of its own which, on a shared store, does not take the journal's
   * lock (every write transaction of the cluster waits for that lock): for work that decides nothing on the core and
   * appends nothing to the journal (the projections, which take a lock of their own). It starts with the
   * {@link #beforeWrite} hook's first run, the tail of what the other processes committed. On a file, which has no
   * such lock, it is {@link #write}: it joins the batch under way.
   */
  public <T> CompletableFuture<T> writeAside(SqlWork<T> work) {
    return kind == Kind.POSTGRES ? writer().submitAside(work) : writer().submit(work);
  }

  /** Writes and waits for the commit: for the command line and start-up, never for an event loop. */
  public <T> T writeNow(SqlWork<T> work) {
    return awaited(writer().submit(work));
  }

  /**
   * {@link #writeAside}, waiting for the commit at most {@code timeoutMs}; never on an event loop. A writer that does
   * not answer by then (stuck behind a lock another process never releases, a disk that does not return) fails the
   * wait with a {@link StoreException} instead of holding the caller's thread for as long; the work stays queued.
   */
  public <T> T writeAsideNow(SqlWork<T> work, long timeoutMs) {
    return awaited(writeAside(work), Math.max(1, timeoutMs));
  }

  private static <T> T awaited(CompletableFuture<T> written) {
    return awaited(written, Long.MAX_VALUE);
  }

  private static <T> T awaited(CompletableFuture<T> written, long timeoutMs) {
    try {
      return written.get(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new StoreException("the store's writer did not answer within " + timeoutMs + " ms", e);
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

  /** Runs {@code hook} on the writer thread at the end of each transaction, just before it commits. */
  public void beforeCommit(SqlWork<?> hook) {
    writer().beforeCommit(hook);
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
   * Checkpoints now, on the checkpointer's connection, as it does by itself when one is due (see {@link Checkpointer});
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
    // PostgreSQL: a commit survives this process's crash either way (the server has it); "off" may lose the server's
    // last few milliseconds of commits when the server itself crashes, as NORMAL may on a power cut
    writer().sync(kind == Kind.SQLITE ? "PRAGMA synchronous=" + pragmaValue
        : "SET synchronous_commit = " + (pragmaValue.equals("FULL") ? "on" : "off"));
  }

  /** The writer connection's {@code synchronous} setting: 1 for NORMAL, 2 for FULL. */
  public int syncLevel() {
    return writeNow(c -> {
      if (kind == Kind.POSTGRES) {
        try (PreparedStatement s = c.prepareStatement("SHOW synchronous_commit"); ResultSet rs = s.executeQuery()) {
          return rs.next() ? ("off".equals(rs.getString(1)) ? 1 : 2) : -1;
        }
      }
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

  /**
   * Runs {@code hook} at the start of every write transaction, before its work, on the writer thread: where a process
   * reads what the others appended. On a shared store it runs twice: once before the journal's advisory lock, to
   * apply what the others had committed by then (committed events are a prefix of the journal whoever holds the lock,
   * so they may be applied without it), and again once the lock is held, for what they committed meanwhile. Only the
   * second run holds the lock, and the others wait for it. Work submitted {@link #writeAside aside} gets the first
   * run only, and no lock.
   */
  public void beforeWrite(SqlWork<?> hook) {
    // work submitted aside reads the tail only: it decides nothing that needs the journal's order
    writer().asideTransaction(hook);
    writer().beforeTransaction(c -> {
      if (kind != Kind.POSTGRES) {
        return hook.run(c);
      }
      hook.run(c);
      journalLock.take(c);
      long began = System.nanoTime();
      Object result = hook.run(c);
      journalLock.caughtUp(System.nanoTime() - began);
      return result;
    });
  }

  private StoreException readOnly() {
    return new StoreException("the database " + describe() + " was opened read-only (expected: Store.open, which claims"
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
