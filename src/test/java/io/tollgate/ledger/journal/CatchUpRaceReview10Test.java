package io.tollgate.ledger.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.Ledger;
import io.tollgate.ledger.core.Hold;
import io.tollgate.store.Store;
import io.tollgate.tenants.Tenants;
import io.tollgate.testing.Postgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Review of de2e4c4. Accountant.catchUp decides whether a read must catch up with
 * {@code journal.behind() > 0 || readAsIs(lastSeq) > core().lastSeq()}: three reads at three moments. When the writer
 * tails the others' events into the core after the first read (behind() still 0) and before the last (the core
 * already at the journal's end), the read skips the catch-up and shows projections older than what another process
 * had committed before the read began. The race is on main too (the tails of every write transaction); the aside
 * pass adds a tail every 200 ms and at every follow, and a follow that finds the projections busy leaves the core
 * tailed and the projections behind. FAILS on de2e4c4 (and on 88d1f93 with the same steps).
 */
class CatchUpRaceReview10Test {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T12:00:00Z"), ZoneOffset.UTC);
  private static final String PROJECTION_LOCK = "SELECT pg_advisory_xact_lock(hashtext('tollgate-projection:' ||"
      + " coalesce(current_schema(), '')))";

  @Test
  void aReadWhoseCatchUpCheckStraddlesATailShowsLessThanWasCommittedBeforeItBegan() throws Exception {
    String url = Postgres.freshSchema("review10_race");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (Store a = Postgres.open(url, "gw-a"); Store b = Postgres.open(url, "gw-b")) {
      String account = new Tenants(a, CLOCK).createAccount("race").id();
      Accountant onA = Accountant.of(a, CLOCK);
      Accountant onB = Accountant.of(b, CLOCK);
      new Ledger(onA).topUp(account, Bucket.RMB, 10_000_000, "t0", null);
      assertThat(onA.follow().get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(onA.behind()).isZero();

      // A's two reader connections (the test pool's size) are busy: the read below stops between its first look
      // (behind() == 0) and its look at the journal's end
      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch busy = new CountDownLatch(2);
      for (int i = 0; i < 2; i++) {
        pool.submit(() -> a.readAsIs(c -> {
          busy.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return null;
        }));
      }
      assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
      Future<String> read = pool.submit(() -> a.read(c -> io.tollgate.testing.HoldRows.status(c, "hold_r1")));
      Thread.sleep(300);

      // before the read goes on: B commits a hold, and A's writer tails it (an aside pass that finds the projections
      // busy: its tail stays, its projection does not happen)
      Hold h1 = (Hold) b.write(onB.reserve(AsideProjectionReview10Test.attempt(account, "r1"),
          AsideProjectionReview10Test.context(account, "r1"))).get(10, TimeUnit.SECONDS);
      try (Connection other = Postgres.connect(url)) {
        other.setAutoCommit(false);
        try (PreparedStatement s = other.prepareStatement(PROJECTION_LOCK)) {
          s.execute();
        }
        assertThat(onA.follow().get(10, TimeUnit.SECONDS)).as("busy").isFalse();
        other.rollback();
      }
      assertThat(onA.view().lastSeq()).as("A's core has B's hold").isEqualTo(h1.seq());
      release.countDown();

      assertThat(read.get(30, TimeUnit.SECONDS)).as("B's hold committed before A's read began").isEqualTo("pending");
    } finally {
      pool.shutdownNow();
      Postgres.drop(url);
    }
  }
}
