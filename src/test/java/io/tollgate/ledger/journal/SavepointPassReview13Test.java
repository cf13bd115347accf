package io.tollgate.ledger.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.LedgerVerifier;
import io.tollgate.store.Store;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Review of 726a2d3 (a projection pass in a savepoint). */
class SavepointPassReview13Test {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-04T02:00:00Z"), ZoneOffset.UTC);

  @TempDir
  Path dir;

  private static void exec(Store store, String sql) {
    store.writeNow(c -> {
      try (PreparedStatement s = c.prepareStatement(sql)) {
        s.execute();
      }
      return null;
    });
  }

  private static long count(Store store, String table) {
    return store.readAsIs(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM " + table); ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }

  /**
   * An error that makes SQLite end the whole transaction (SQLITE_FULL, IOERR; here RAISE(ROLLBACK) in a trigger): the
   * savepoint is gone, the pass's failure fails the transaction. Afterwards the writer must still run in transactions:
   * work that fails leaves nothing behind.
   */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void afterAPassEndedByTheEngineTheWriterStillRollsBack() throws Exception {
    try (Store store = Store.open(dir.resolve("w.db"))) {
      Accountant accountant = Accountant.of(store, CLOCK);
      String account = FailingPassBackoffTest.failingProjections(store, accountant);
      exec(store, "DROP TRIGGER refuse_holds");
      exec(store, "CREATE TRIGGER refuse_holds BEFORE INSERT ON holds BEGIN SELECT RAISE(ROLLBACK, 'disk I/O error'); END");
      exec(store, "CREATE TABLE scratch (x INTEGER)");
      store.write(accountant.reserve(AsideProjectionReview10Test.attempt(account, "r0"),
          AsideProjectionReview10Test.context(account, "r0"))).get(10, TimeUnit.SECONDS);

      assertThatThrownBy(() -> store.read(c -> 1)).hasMessageContaining("disk I/O error");

      // the engine ended the transaction; the writer's rollback then fails too ("no transaction is active") and the
      // connection is left outside any transaction: the next hold's statements commit one by one, its commit fails
      String outcome;
      try {
        store.write(accountant.reserve(AsideProjectionReview10Test.attempt(account, "r1"),
            AsideProjectionReview10Test.context(account, "r1"))).get(10, TimeUnit.SECONDS);
        outcome = "held";
      } catch (java.util.concurrent.ExecutionException e) {
        outcome = "failed: " + e.getCause().getMessage();
      }
      long journaledHolds = store.readAsIs(c -> {
        try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM journal WHERE kind = 'hold'");
            ResultSet rs = s.executeQuery()) {
          rs.next();
          return rs.getLong(1);
        }
      });
      System.out.println("review13: hold r1 " + outcome + "; holds in the journal: " + journaledHolds);
      assertThat(outcome).as("hold r1 after the engine ended a pass's transaction (journal has %s holds)", journaledHolds)
          .isEqualTo("held");
      exec(store, "DROP TRIGGER refuse_holds");

      // a single task that writes and then fails: rolled back, nothing stays
      assertThatThrownBy(() -> store.writeNow(c -> {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO scratch (x) VALUES (1)")) {
          s.executeUpdate();
        }
        throw new IllegalStateException("refused");
      })).hasMessageContaining("refused");
      assertThat(count(store, "scratch")).as("the failed work's row").isZero();

      int answered = store.read(c -> 1);
      assertThat(answered).isEqualTo(1);
      assertThat(accountant.behind()).isZero();
      // checked while r0 and r1 are still within their time to live (the helper's attempts expire on its own clock)
      long beforeExpiry = AsideProjectionReview10Test.attempt(account, "any").expiresAtMs() - 1;
      LedgerVerifier.Report report = LedgerVerifier.verify(store, beforeExpiry);
      assertThat(report.ok()).as(report.text()).isTrue();
    }
  }
  /**
   * A read whose events are all projected by the time its own pass runs must not fail because that pass failed on a
   * later event (committed after the read began): catchUp throws the pass's cause without looking again at how far
   * the projections are.
   */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aReadWhoseEventsWereProjectedIsNotFailedByAPassFailingOnALaterEvent() throws Exception {
    try (Store store = Store.open(dir.resolve("s.db"))) {
      Accountant accountant = Accountant.of(store, CLOCK);
      String account = new io.tollgate.tenants.Tenants(store, CLOCK).createAccount("racing").id();
      new io.tollgate.ledger.Ledger(accountant).topUp(account, io.tollgate.config.Bucket.RMB, 1_000_000_000L, "t0", null);
      store.writeNow(accountant.projection());
      exec(store, "CREATE TRIGGER refuse_bad BEFORE INSERT ON holds WHEN NEW.request_id = 'bad' OR NEW.id LIKE '%bad%'"
          + " BEGIN SELECT RAISE(ABORT, 'the disk is full'); END");
      // a good hold, committed and not projected: the read below must see it
      store.write(accountant.reserve(AsideProjectionReview10Test.attempt(account, "good"),
          AsideProjectionReview10Test.context(account, "good"))).get(10, TimeUnit.SECONDS);
      long target = accountant.behind();
      assertThat(target).isPositive();

      java.util.concurrent.CountDownLatch gate = io.tollgate.testing.WriterGate.hold(store);
      // queued first: a projection that catches up to the good hold; then a hold whose row the projection refuses
      java.util.concurrent.CompletableFuture<Void> projected = store.write(accountant.projection());
      java.util.concurrent.CompletableFuture<?> bad = store.write(accountant.reserve(
          AsideProjectionReview10Test.attempt(account, "bad"), AsideProjectionReview10Test.context(account, "bad")));
      // the read began before either: it needs the good hold only
      java.util.concurrent.CompletableFuture<Integer> read = java.util.concurrent.CompletableFuture.supplyAsync(
          () -> store.read(c -> 1));
      java.util.concurrent.BlockingQueue<?> queue = writerQueue(store);
      while (queue.size() < 3) {
        Thread.onSpinWait();
      }
      gate.countDown();
      projected.get(10, TimeUnit.SECONDS);
      bad.get(10, TimeUnit.SECONDS);
      String outcome;
      try {
        outcome = "answered " + read.get(10, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        outcome = "failed: " + e.getCause().getMessage();
      }
      System.out.println("review13: read behind the good hold, projected before its pass failed on the bad one: " + outcome
          + "; behind " + accountant.behind());
      assertThat(accountant.behind()).as("only the bad hold is unprojected").isEqualTo(1);
      assertThat(outcome).isEqualTo("answered 1");
    }
  }

  private static java.util.concurrent.BlockingQueue<?> writerQueue(Store store) throws ReflectiveOperationException {
    java.lang.reflect.Field w = Store.class.getDeclaredField("writer");
    w.setAccessible(true);
    Object writer = w.get(store);
    java.lang.reflect.Field q = writer.getClass().getDeclaredField("queue");
    q.setAccessible(true);
    return (java.util.concurrent.BlockingQueue<?>) q.get(writer);
  }
}
