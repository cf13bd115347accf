package io.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of ae9f07a (Checkpointer.Policy). With synchronous=NORMAL only a checkpoint that copies frames syncs the log
 * (SQLite's walCheckpoint syncs the WAL only when it has frames it may back-fill). A passive checkpoint that a reader
 * kept from copying anything syncs nothing, yet the policy books the commits as checkpointed and never looks at them
 * again until new work is committed: the "at most about 200 ms" bound of docs/config.md (store.sync) does not hold.
 *
 * <p>Progress is read from the WAL index (the -shm file): nBackfill, the frames copied into the database file, at byte
 * 96; mxFrame, the frames in the log, at byte 16 (native byte order).
 */
class CheckpointerReviewCkptTest {
  @TempDir
  Path dir;
  private Connection writer;
  private Connection reader;
  private Checkpointer checkpointer;

  @AfterEach
  void close() throws Exception {
    if (checkpointer != null) {
      checkpointer.close();
    }
    if (reader != null) {
      reader.close();
    }
    if (writer != null) {
      writer.close();
    }
  }

  private static void exec(Connection c, String sql) throws Exception {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /** {mxFrame, nBackfill} from the WAL index. */
  private long[] walIndex(Path db) throws Exception {
    try (FileChannel shm = FileChannel.open(Path.of(db + "-shm"), StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(136).order(ByteOrder.nativeOrder());
      shm.read(b, 0);
      // frames in the log, frames copied, and the log's first salt (SQLite changes it whenever the log starts over)
      return new long[] {Integer.toUnsignedLong(b.getInt(16)), Integer.toUnsignedLong(b.getInt(96)),
          Integer.toUnsignedLong(b.getInt(32))};
    }
  }

  private static boolean within(long ms, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(10);
    }
    return condition.getAsBoolean();
  }

  @Test
  void aCommitThatADueCheckpointCouldNotCopyIsCopiedOnceTheReaderLeaves() throws Exception {
    Path db = dir.resolve("t.db");
    String url = "jdbc:sqlite:" + db;
    writer = DriverManager.getConnection(url);
    exec(writer, "PRAGMA journal_mode=WAL");
    exec(writer, "PRAGMA synchronous=NORMAL");
    exec(writer, "PRAGMA wal_autocheckpoint=" + Store.WRITER_CHECKPOINT_PAGES);
    exec(writer, "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)");
    exec(writer, "INSERT INTO t (v) VALUES ('before')");
    AtomicLong committedTasks = new AtomicLong(2);

    Connection raw = DriverManager.getConnection(url);
    exec(raw, "PRAGMA busy_timeout=10000");
    AtomicLong checkpointsRun = new AtomicLong();
    Connection counting = (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
        (proxy, method, args) -> {
          if (method.getName().equals("createStatement")) {
            checkpointsRun.incrementAndGet();
          }
          try {
            return method.invoke(raw, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
    checkpointer = new Checkpointer(counting, committedTasks::get, () -> { });
    assertThat(within(5_000, () -> {
      try {
        long[] w = walIndex(db);
        return w[0] > 0 && w[1] == w[0];
      } catch (Exception e) {
        return false;
      }
    })).as("the first two tasks are checkpointed (everything copied)").isTrue();

    // a reader (a long report, `tollgate ledger verify` beside the gateway...) starts on the fully copied database
    reader = DriverManager.getConnection(url);
    reader.setAutoCommit(false);
    try (Statement s = reader.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
      rs.next();
    }
    // one commit (a posting: money), then silence
    exec(writer, "INSERT INTO t (v) VALUES ('" + "p".repeat(600) + "')");
    committedTasks.incrementAndGet();
    long before = checkpointsRun.get();
    assertThat(within(5_000, () -> checkpointsRun.get() > before))
        .as("the policy's checkpoint came due (%d ms) while the reader was open", Checkpointer.Policy.MAX_AGE_MS).isTrue();
    long[] whileRead = walIndex(db);
    assertThat(whileRead[1]).as("precondition: that checkpoint copied (and so synced) nothing: %s",
        java.util.Arrays.toString(whileRead)).isLessThan(whileRead[0]);

    reader.commit();
    reader.close();
    reader = null;

    // before ae9f07a the next 20 ms tick copied it; 10 times the documented bound is plenty
    boolean copied = within(10 * Checkpointer.Policy.MAX_AGE_MS, () -> {
      try {
        long[] w = walIndex(db);
        return w[1] == w[0];
      } catch (Exception e) {
        return false;
      }
    });
    assertThat(copied).as("the commit reached a checkpoint (the log's only sync under synchronous=NORMAL) within %d ms"
        + " of the reader leaving; WAL index now %s", 10 * Checkpointer.Policy.MAX_AGE_MS,
        java.util.Arrays.toString(walIndex(db))).isTrue();
  }

  @Test
  void whatTheMigrationsWroteAtStartIsCheckpointedWithoutWaitingForAFirstTask() throws Exception {
    // Store.open migrates on the writer's connection before the GroupCommitWriter exists: those commits are no task,
    // so the policy sees a count of 0 and never checkpoints (nor syncs) them until some task is committed
    Path db = dir.resolve("m.db");
    Store store = Store.open(db);
    try {
      long[] opened = walIndex(db);
      assertThat(opened[0]).as("precondition: the migrations left frames in the log").isPositive();
      boolean copied = within(10 * Checkpointer.Policy.MAX_AGE_MS, () -> {
        try {
          long[] w = walIndex(db);
          // copied, or copied and then the log started over (the writer does that while idle after a checkpoint
          // that copied everything: LogRewindTest), which SQLite does only once every frame is copied
          return w[1] == w[0] || w[2] != opened[2];
        } catch (Exception e) {
          return false;
        }
      });
      assertThat(copied).as("the schema written at start reached a checkpoint within %d ms; WAL index now %s",
          10 * Checkpointer.Policy.MAX_AGE_MS, java.util.Arrays.toString(walIndex(db))).isTrue();
    } finally {
      store.close();
    }
  }

  @Test
  void theCheckpointersOwnConnectionSyncs() throws Exception {
    // a checkpoint syncs with the checkpointing connection's flags: OFF there would sync nothing at all
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("s.db"));
        Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA synchronous")) {
      rs.next();
      assertThat(rs.getInt(1)).as("synchronous of a connection opened as Store opens the checkpointer's").isGreaterThanOrEqualTo(1);
    }
  }
}
