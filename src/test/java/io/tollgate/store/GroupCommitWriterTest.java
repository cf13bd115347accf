package io.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The single writer: what shares a commit, and what a failing piece of work takes down with it (nothing). */
class GroupCommitWriterTest {
  @TempDir
  Path dir;
  GroupCommitWriter writer;
  String url;

  @BeforeEach
  void open() throws SQLException {
    url = "jdbc:sqlite:" + dir.resolve("w.db");
    Connection connection = DriverManager.getConnection(url);
    GroupCommitWriter.execute(connection, "PRAGMA journal_mode=WAL");
    GroupCommitWriter.execute(connection, "CREATE TABLE t (name TEXT PRIMARY KEY)");
    writer = new GroupCommitWriter(connection);
  }

  @AfterEach
  void close() {
    writer.close();
  }

  private static SqlWork<String> insert(String name) {
    return c -> {
      try (PreparedStatement s = c.prepareStatement("INSERT INTO t (name) VALUES (?)")) {
        s.setString(1, name);
        s.executeUpdate();
      }
      return name;
    };
  }

  /** How many times the blocking work has run: a batch rolled back runs it once more, alone. */
  private final AtomicInteger blockingRuns = new AtomicInteger();

  /** Work that runs until the test lets it go: whatever is queued meanwhile is queued behind a running batch. */
  private CompletableFuture<String> blockingInsert(String name, CountDownLatch running, CountDownLatch release) {
    return writer.submit(c -> {
      blockingRuns.incrementAndGet();
      running.countDown();
      try {
        if (!release.await(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException("never released");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      return insert(name).run(c);
    });
  }

  private List<String> committedNames() throws SQLException {
    List<String> names = new ArrayList<>();
    try (Connection reader = DriverManager.getConnection(url);
        PreparedStatement s = reader.prepareStatement("SELECT name FROM t ORDER BY name");
        ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }

  @Test
  void workQueuedWhileABatchRunsJoinsItsCommit() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<String> first = blockingInsert("a", running, release);
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    List<CompletableFuture<String>> later = List.of(writer.submit(insert("b")), writer.submit(insert("c")));

    release.countDown();

    assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("a");
    for (CompletableFuture<String> f : later) {
      f.get(10, TimeUnit.SECONDS);
    }
    assertThat(writer.commitCounts()).as("commits, tasks committed").containsExactly(1, 3);
    assertThat(committedNames()).containsExactly("a", "b", "c");
  }

  @Test
  void workSubmittedAsideRunsAfterTheBatchInATransactionOfItsOwnThatSkipsTheTransactionHook() throws Exception {
    List<String> began = new java.util.concurrent.CopyOnWriteArrayList<>();
    writer.beforeTransaction(c -> began.add("locked"));
    writer.asideTransaction(c -> began.add("aside"));
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<String> first = blockingInsert("a", running, release);
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<String> aside = writer.submitAside(insert("x"));
    CompletableFuture<String> failingAside = writer.submitAside(insert("a"));
    CompletableFuture<String> joined = writer.submit(insert("b"));

    release.countDown();

    assertThat(joined.get(10, TimeUnit.SECONDS)).isEqualTo("b");
    assertThat(aside.get(10, TimeUnit.SECONDS)).isEqualTo("x");
    assertThatThrownBy(() -> failingAside.get(10, TimeUnit.SECONDS)).cause().hasMessageContaining("UNIQUE");
    assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("a");
    assertThat(blockingRuns).as("a failing aside task never reruns the batch").hasValue(1);
    assertThat(began).as("one batch with its hook; then the aside tasks together with the aside hook, and (one failed)"
        + " each again alone").containsExactly("locked", "aside", "aside", "aside");
    assertThat(writer.commitCounts()).as("commits, tasks committed").containsExactly(2, 3);
    assertThat(committedNames()).containsExactly("a", "b", "x");
  }

  @Test
  void anErrorInTheAfterCommitHookNeverRunsCommittedWorkAgain() throws Exception {
    AtomicInteger hookCalls = new AtomicInteger();
    writer.afterCommit(() -> {
      if (hookCalls.incrementAndGet() == 1) {
        throw new StackOverflowError("thrown by the test's hook");
      }
    });
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<String> first = blockingInsert("a", running, release);
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<String> joined = writer.submit(insert("b"));

    release.countDown();

    assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("a");
    assertThat(joined.get(10, TimeUnit.SECONDS)).isEqualTo("b");
    assertThat(blockingRuns).as("committed work is never run again").hasValue(1);
    assertThat(writer.commitCounts()).as("commits, tasks committed").containsExactly(1, 2);
    assertThat(writer.submit(insert("c")).get(10, TimeUnit.SECONDS)).as("the writer goes on").isEqualTo("c");
    assertThat(committedNames()).containsExactly("a", "b", "c");
  }

  @Test
  void aFutureCompletesOnlyOnceItsWorkIsCommitted() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<String> first = blockingInsert("a", running, release);
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<String> joined = writer.submit(insert("b"));

    assertThat(joined).as("run or not, nothing is committed while the batch is open").isNotDone();
    assertThat(committedNames()).isEmpty();
    release.countDown();
    joined.get(10, TimeUnit.SECONDS);
    assertThat(first).isDone();
    assertThat(committedNames()).containsExactly("a", "b");
  }

  @Test
  void aFailingTaskFailsAloneAndTheRestOfItsBatchCommits() throws Exception {
    AtomicInteger rebuilds = new AtomicInteger();
    writer.afterRollback(c -> rebuilds.incrementAndGet());
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<String> first = blockingInsert("a", running, release);
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<String> second = writer.submit(insert("b"));
    CompletableFuture<String> duplicate = writer.submit(insert("a"));
    CompletableFuture<String> fourth = writer.submit(insert("d"));

    release.countDown();

    assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("a");
    assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo("b");
    assertThat(fourth.get(10, TimeUnit.SECONDS)).isEqualTo("d");
    assertThatThrownBy(() -> duplicate.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(SQLException.class).hasMessageContaining("UNIQUE");
    assertThat(committedNames()).containsExactly("a", "b", "d");
    assertThat(rebuilds).as("state beside the database rebuilt after each rollback").hasPositiveValue();
    assertThat(writer.commitCounts()).as("three tasks committed one by one after the rollback").containsExactly(3, 3);
    assertThat(blockingRuns).as("the first work ran in the failed batch, then alone").hasValue(2);
  }

  @Test
  void closeNeverClosesTheConnectionUnderWorkStillRunning() throws Exception {
    writer.close();
    Connection connection = DriverManager.getConnection(url);
    writer = new GroupCommitWriter(connection, 100);
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<String> slow = blockingInsert("slow", running, release);
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

    writer.close();
    assertThat(slow).as("close gave up waiting, the work is still running").isNotDone();
    release.countDown();

    assertThat(slow.get(10, TimeUnit.SECONDS)).isEqualTo("slow");
    assertThat(committedNames()).containsExactly("slow");
  }

  @Test
  void workSubmittedAfterCloseFailsAndWorkBeforeItCommits() throws Exception {
    CompletableFuture<String> before = writer.submit(insert("a"));
    writer.close();

    assertThat(before.get(10, TimeUnit.SECONDS)).isEqualTo("a");
    assertThatThrownBy(() -> writer.submit(insert("b")).get(10, TimeUnit.SECONDS))
        .cause().isInstanceOf(StoreException.class).hasMessageContaining("closed");
    assertThat(committedNames()).containsExactly("a");
  }

  @Test
  void aBatchAbandonedByAFailureNeverRunsWithTheNextUserOfTheCachedStatement() throws Exception {
    CompletableFuture<String> abandoned = writer.submit(c -> {
      try (PreparedStatement s = c.prepareStatement("INSERT INTO t (name) VALUES (?)")) {
        s.setString(1, "left-in-the-batch");
        s.addBatch();
        throw new IllegalStateException("failed between addBatch and executeBatch");
      }
    });
    assertThatThrownBy(abandoned::get).hasCauseInstanceOf(IllegalStateException.class);

    writer.submit(c -> {
      try (PreparedStatement s = c.prepareStatement("INSERT INTO t (name) VALUES (?)")) {
        s.setString(1, "batched");
        s.addBatch();
        s.executeBatch();
      }
      return null;
    }).get(5, TimeUnit.SECONDS);

    assertThat(names()).containsExactly("batched");
  }

  @Test
  void aFailingBeforeCommitHookRollsTheTransactionBackAndTheNextOneCommits() throws Exception {
    AtomicInteger hookRuns = new AtomicInteger();
    writer.beforeCommit(c -> {
      if (hookRuns.incrementAndGet() == 1) {
        throw new SQLException("the journal's rows could not be written");
      }
      return null;
    });
    CompletableFuture<String> first = writer.submit(insert("a"));
    assertThatThrownBy(first::get).hasCauseInstanceOf(SQLException.class);

    writer.submit(insert("b")).get(5, TimeUnit.SECONDS);

    assertThat(names()).containsExactly("b");
    assertThat(hookRuns).hasValue(2);
  }

  private List<String> names() throws SQLException {
    List<String> names = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url);
        ResultSet rs = c.createStatement().executeQuery("SELECT name FROM t ORDER BY name")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }
}
