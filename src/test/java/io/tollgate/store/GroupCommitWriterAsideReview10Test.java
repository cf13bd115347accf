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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of de2e4c4: the group-commit writer with work submitted aside. Probes (they pass): aside work met on the way
 * to STOP runs before the writer stops; a batch that fails and reruns its tasks alone does not run the aside work
 * twice; an aside transaction whose hook fails rolls back with the rollback hook and fails only its own future.
 */
class GroupCommitWriterAsideReview10Test {
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

  private final AtomicInteger runs = new AtomicInteger();

  private SqlWork<String> insert(String name) {
    return c -> {
      runs.incrementAndGet();
      try (PreparedStatement s = c.prepareStatement("INSERT INTO t (name) VALUES (?)")) {
        s.setString(1, name);
        s.executeUpdate();
      }
      return name;
    };
  }

  private CompletableFuture<String> gate(CountDownLatch running, CountDownLatch release) {
    return writer.submit(c -> {
      running.countDown();
      try {
        if (!release.await(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException("never released");
        }
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return "gate";
    });
  }

  private List<String> committed() throws SQLException {
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
  void asideWorkQueuedBeforeCloseRunsBeforeTheWriterStops() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<String> gate = gate(running, release);
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<String> x = writer.submitAside(insert("x"));
    CompletableFuture<String> y = writer.submitAside(insert("y"));
    Thread closing = new Thread(writer::close);
    closing.start();
    Thread.sleep(200);
    CompletableFuture<String> late = writer.submitAside(insert("late"));
    release.countDown();
    closing.join(10_000);
    assertThat(gate.get(10, TimeUnit.SECONDS)).isEqualTo("gate");
    assertThat(x.get(10, TimeUnit.SECONDS)).isEqualTo("x");
    assertThat(y.get(10, TimeUnit.SECONDS)).isEqualTo("y");
    assertThatThrownBy(() -> late.get(10, TimeUnit.SECONDS)).hasMessageContaining("closed");
    assertThat(committed()).containsExactly("x", "y");
  }

  @Test
  void aBatchThatFailsAndRerunsAloneRunsTheAsideWorkOnce() throws Exception {
    writer.submit(insert("dup")).get(10, TimeUnit.SECONDS);
    runs.set(0);
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<String> gate = gate(running, release);
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<String> aside = writer.submitAside(insert("x"));
    CompletableFuture<String> ok = writer.submit(insert("b"));
    CompletableFuture<String> failing = writer.submit(insert("dup"));
    release.countDown();
    assertThat(gate.get(10, TimeUnit.SECONDS)).isEqualTo("gate");
    assertThat(ok.get(10, TimeUnit.SECONDS)).isEqualTo("b");
    assertThatThrownBy(() -> failing.get(10, TimeUnit.SECONDS)).hasMessageContaining("UNIQUE");
    assertThat(aside.get(10, TimeUnit.SECONDS)).isEqualTo("x");
    // b and dup ran twice (the batch, then alone); x once
    assertThat(runs.get()).isEqualTo(5);
    assertThat(committed()).containsExactly("b", "dup", "x");
  }

  @Test
  void anAsideTransactionWhoseHookFailsRollsBackAloneAndTheWriterGoesOn() throws Exception {
    List<String> events = new CopyOnWriteArrayList<>();
    writer.asideTransaction(c -> {
      events.add("aside-hook");
      throw new IllegalStateException("tail failed");
    });
    writer.afterRollback(c -> events.add("rolled-back"));
    CompletableFuture<String> aside = writer.submitAside(insert("x"));
    assertThatThrownBy(() -> aside.get(10, TimeUnit.SECONDS)).hasMessageContaining("tail failed");
    assertThat(writer.submit(insert("b")).get(10, TimeUnit.SECONDS)).isEqualTo("b");
    assertThat(events).containsExactly("aside-hook", "rolled-back");
    assertThat(committed()).containsExactly("b");
  }
}
