package io.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Review of 2652bab (idle WAL rewind): adversarial checks. */
class RewindReviewTest {
  @TempDir
  Path dir;
  GroupCommitWriter writer;

  @AfterEach
  void close() {
    if (writer != null) {
      writer.close();
    }
  }

  private Connection raw() throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("w.db"));
    GroupCommitWriter.execute(c, "PRAGMA journal_mode=WAL");
    GroupCommitWriter.execute(c, "PRAGMA synchronous=NORMAL");
    GroupCommitWriter.execute(c, "PRAGMA busy_timeout=10000");
    GroupCommitWriter.execute(c, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, who INTEGER, seq INTEGER)");
    return c;
  }

  private long generation() throws IOException {
    try (FileChannel wal = FileChannel.open(dir.resolve("w.db-wal"), StandardOpenOption.READ)) {
      ByteBuffer header = ByteBuffer.allocate(16);
      wal.read(header, 0);
      return Integer.toUnsignedLong(header.getInt(12));
    }
  }

  private static SqlWork<Void> insert(int who, int seq) {
    return c -> {
      try (PreparedStatement s = c.prepareStatement("INSERT INTO t (who, seq) VALUES (?, ?)")) {
        s.setInt(1, who);
        s.setInt(2, seq);
        s.executeUpdate();
      }
      return null;
    };
  }

  /** Rewinds spammed while writers submit and a checkpointer runs: nothing lost, per-submitter order kept. */
  @Test
  void rewindsInterleavedWithWritesLoseAndReorderNothing() throws Exception {
    writer = new GroupCommitWriter(raw());
    AtomicBoolean stop = new AtomicBoolean();
    Connection ckpt = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("w.db"));
    GroupCommitWriter.execute(ckpt, "PRAGMA busy_timeout=10000");
    Thread spammer = new Thread(() -> {
      while (!stop.get()) {
        writer.rewindLog();
        Thread.onSpinWait();
      }
    });
    Thread checkpointer = new Thread(() -> {
      while (!stop.get()) {
        try (Statement s = ckpt.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
          rs.next();
        } catch (SQLException ignored) {
          // try again
        }
      }
    });
    spammer.start();
    checkpointer.start();
    int threads = 3;
    int each = 1500;
    List<Thread> submitters = new ArrayList<>();
    List<CompletableFuture<Void>> all = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int w = 0; w < threads; w++) {
      int who = w;
      Thread t = new Thread(() -> {
        for (int i = 0; i < each; i++) {
          CompletableFuture<Void> f = writer.submit(insert(who, i));
          all.add(f);
          if (i % 7 == 0) {
            f.join();
            // let the writer go idle now and then, so rewinds actually run between writes
            try {
              Thread.sleep(0, 200_000);
            } catch (InterruptedException e) {
              return;
            }
          }
        }
      });
      submitters.add(t);
      t.start();
    }
    for (Thread t : submitters) {
      t.join();
    }
    CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
    stop.set(true);
    spammer.join();
    checkpointer.join();
    ckpt.close();
    long rewinds = generation();
    writer.close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("w.db"));
        Statement s = c.createStatement()) {
      for (int w = 0; w < threads; w++) {
        List<Integer> seqs = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("SELECT seq FROM t WHERE who = " + w + " ORDER BY id")) {
          while (rs.next()) {
            seqs.add(rs.getInt(1));
          }
        }
        assertThat(seqs).hasSize(each);
        for (int i = 0; i < each; i++) {
          assertThat(seqs.get(i)).isEqualTo(i);
        }
      }
      try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(0);
      }
    }

    assertThat(rewinds).as("rewinds actually happened").isGreaterThan(1);
  }

  /** A rewind that fails (its PRAGMA refused) runs the after-rollback hook, and the next writes still commit. */
  @Test
  void aFailingRewindRunsTheRollbackHookAndLeavesLaterWorkAlone() throws Exception {
    Connection real = raw();
    AtomicBoolean failRewind = new AtomicBoolean(true);
    Connection faulty = faulty(real, failRewind, false);
    writer = new GroupCommitWriter(faulty);
    AtomicInteger rollbacks = new AtomicInteger();
    writer.afterRollback(c -> rollbacks.incrementAndGet());
    writer.submit(insert(1, 1)).get(5, TimeUnit.SECONDS);
    writer.rewindLog();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (rollbacks.get() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }

    assertThat(rollbacks.get()).as("a failed rewind runs the after-rollback (ledger rebuild) hook").isEqualTo(1);
    writer.submit(insert(1, 2)).get(5, TimeUnit.SECONDS);
    assertThat(writer.commitCounts()).containsExactly(2, 2);
  }

  private static void awaitAtLeast(AtomicInteger count, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (count.get() < n && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(count.get()).isGreaterThanOrEqualTo(n);
  }

  /** A rewind that keeps failing is logged once, then once per REWIND_WARN_EVERY; one that succeeds starts over. */
  @Test
  void aRewindThatKeepsFailingIsNotLoggedEveryTime() throws Exception {
    ch.qos.logback.classic.Logger log =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(GroupCommitWriter.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> seen =
        new ch.qos.logback.core.read.ListAppender<>();
    seen.start();
    log.addAppender(seen);
    try {
      AtomicBoolean failRewind = new AtomicBoolean(true);
      writer = new GroupCommitWriter(faulty(raw(), failRewind, false));
      AtomicInteger rollbacks = new AtomicInteger();
      writer.afterRollback(c -> rollbacks.incrementAndGet());
      writer.submit(insert(1, 1)).get(5, TimeUnit.SECONDS);
      for (int i = 1; i <= 5; i++) {
        writer.rewindLog();
        awaitAtLeast(rollbacks, i);
      }
      failRewind.set(false);
      try (Connection ckpt = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("w.db"))) {
        GroupCommitWriter.execute(ckpt, "PRAGMA wal_checkpoint(PASSIVE)"); // so a rewind that works starts the log over
      }
      long generation = generation();
      writer.rewindLog();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (generation() == generation && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(generation()).as("the working rewind started the log over").isGreaterThan(generation);
      failRewind.set(true);
      writer.rewindLog();
      awaitAtLeast(rollbacks, 6);

      List<String> warnings = seen.list.stream().map(e -> e.getFormattedMessage())
          .filter(m -> m.startsWith("could not start the write-ahead log over")).toList();
      assertThat(warnings).as("five failures in a row warn once; after a success the next failure warns again")
          .hasSize(2);
      assertThat(warnings.get(0)).contains("(1 failed in a row)");
      assertThat(warnings.get(1)).contains("(1 failed in a row)");
    } finally {
      log.detachAppender(seen);
    }
  }

  /** A writer that can reconnect is a server database's: it has no SQLite log, and a rewind asked of it writes nothing. */
  @Test
  void aServerWritersRewindIsIgnored() throws Exception {
    AtomicBoolean failRewind = new AtomicBoolean(true);
    writer = new GroupCommitWriter(faulty(raw(), failRewind, false), 200, this::raw);
    AtomicInteger rollbacks = new AtomicInteger();
    writer.afterRollback(c -> rollbacks.incrementAndGet());
    writer.submit(insert(1, 1)).get(5, TimeUnit.SECONDS);

    writer.rewindLog();
    // nothing to wait for when it is ignored: a file writer's failing rewind rolls back within milliseconds
    Thread.sleep(300);

    assertThat(rollbacks.get()).as("no rewind ran (it would have failed and rolled back)").isZero();
  }

  /**
   * A rewind that throws an Error (runBatch catches Error, rewind does not): the writer thread dies and later work is
   * never answered, while closed stays false.
   */
  @Test
  void anErrorInARewindLeavesTheWriterAnsweringLaterWrites() throws Exception {
    Connection real = raw();
    AtomicBoolean failRewind = new AtomicBoolean(true);
    writer = new GroupCommitWriter(faulty(real, failRewind, true), 200);
    writer.submit(insert(1, 1)).get(5, TimeUnit.SECONDS);
    writer.rewindLog();
    Thread.sleep(300);
    CompletableFuture<Void> after = writer.submit(insert(1, 2));
    boolean answered;
    try {
      after.get(2, TimeUnit.SECONDS);
      answered = true;
    } catch (java.util.concurrent.TimeoutException e) {
      answered = false;
    } catch (java.util.concurrent.ExecutionException e) {
      answered = true;
    }

    assertThat(answered).as("a write after a rewind that threw an Error is answered (completed or failed)").isTrue();
  }

  /** rewindLog after close, and rewinds racing close: no exception, close does not hang. */
  @Test
  void rewindsRacingCloseNeitherThrowNorHang() throws Exception {
    for (int round = 0; round < 50; round++) {
      GroupCommitWriter w = new GroupCommitWriter(raw());
      w.submit(insert(round, 0)).get(5, TimeUnit.SECONDS);
      AtomicBoolean stop = new AtomicBoolean();
      Thread spam = new Thread(() -> {
        while (!stop.get()) {
          w.rewindLog();
        }
      });
      spam.start();
      long began = System.nanoTime();
      w.close();
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
      stop.set(true);
      spam.join();
      w.rewindLog();
      assertThat(tookMs).isLessThan(2_000);
      CompletableFuture<Void> late = w.submit(insert(round, 1));
      assertThat(late).isCompletedExceptionally();
    }
  }

  /**
   * A reader holding a snapshot of the whole log while the checkpoint copies it: the rewind cannot start the log over
   * and appends a frame instead; nothing goes wrong, and the reader still sees its snapshot.
   */
  @Test
  void aReaderHoldingTheLogMakesTheRewindAppendHarmlessly() throws Exception {
    writer = new GroupCommitWriter(raw());
    writer.submit(insert(1, 1)).get(5, TimeUnit.SECONDS);
    Connection reader = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("w.db"));
    reader.setAutoCommit(false);
    try (Statement s = reader.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(1);
    }
    Connection ckpt = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("w.db"));
    long[] r;
    try (Statement s = ckpt.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
      rs.next();
      r = new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
    }

    assertThat(r[2]).isEqualTo(r[1]);
    long before = generation();
    writer.rewindLog();
    writer.submit(c -> null).get(5, TimeUnit.SECONDS);
    Thread.sleep(100);

    assertThat(generation()).isEqualTo(before);
    writer.submit(insert(1, 2)).get(5, TimeUnit.SECONDS);
    try (Statement s = reader.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
      rs.next();
      assertThat(rs.getInt(1)).as("the reader's snapshot").isEqualTo(1);
    }
    reader.commit();
    try (Statement s = reader.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(2);
    }
    reader.close();
    ckpt.close();
  }

  /**
   * A REWIND that arrives while a batch runs: the batch's commit starts the log over itself, and a rewind after it
   * could only append a page, so none is made.
   */
  @Test
  void aRewindQueuedBesideABatchWritesNothingMore() throws Exception {
    writer = new GroupCommitWriter(raw());
    writer.submit(insert(1, 0)).get(5, TimeUnit.SECONDS);
    Connection ckpt = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("w.db"));
    try (Statement s = ckpt.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
      rs.next();
    }
    java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    CompletableFuture<Void> blocking = writer.submit(c -> {
      insert(1, 1).run(c);
      running.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return null;
    });
    running.await();
    long genBefore = generation();
    writer.rewindLog();
    release.countDown();
    blocking.get(5, TimeUnit.SECONDS);
    writer.submit(c -> null).get(5, TimeUnit.SECONDS);
    long size;
    try (FileChannel shm = FileChannel.open(dir.resolve("w.db-shm"), StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(136).order(java.nio.ByteOrder.nativeOrder());
      shm.read(b, 0);
      size = Integer.toUnsignedLong(b.getInt(16));
    }
    ckpt.close();
    assertThat(generation()).as("the batch started the log over").isEqualTo(genBefore + 1);
    assertThat(size).as("frames in the log: the batch's page only, no rewind appended after it").isEqualTo(1);
  }

  /** The writer's connection, with "PRAGMA user_version = " statements failing while {@code fail} is set. */
  private static Connection faulty(Connection real, AtomicBoolean fail, boolean error) {
    return (Connection) Proxy.newProxyInstance(RewindReviewTest.class.getClassLoader(), new Class<?>[] {Connection.class},
        (proxy, method, args) -> {
          Object result;
          try {
            result = method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          if (method.getName().equals("createStatement")) {
            Statement st = (Statement) result;
            return Proxy.newProxyInstance(RewindReviewTest.class.getClassLoader(), new Class<?>[] {Statement.class},
                (p2, m2, a2) -> {
                  if (m2.getName().equals("execute") && a2 != null && String.valueOf(a2[0]).startsWith("PRAGMA user_version =")
                      && fail.get()) {
                    if (error) {
                      throw new AssertionError("simulated Error in the rewind");
                    }
                    throw new SQLException("simulated: disk I/O error");
                  }
                  try {
                    return m2.invoke(st, a2);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
          }
          return result;
        });
  }
}
