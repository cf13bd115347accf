package io.tollgate.ledger.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.Ledger;
import io.tollgate.ledger.core.Reserved;
import io.tollgate.store.Store;
import io.tollgate.tenants.Tenants;
import io.tollgate.testing.Postgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Review of de2e4c4. FAILS: Accountant.afterCommit queues a pass (follow) whenever 256 or more committed events wait
 * and none is queued; the pass clears the flag when it runs, finds the projections busy (another transaction holds
 * their lock), commits its empty transaction, and that commit's afterCommit queues the next pass at once. While
 * another process projects, a process with 256 events waiting spins on its writer: one transaction after another
 * (tail, try-lock, commit), as fast as the database answers, until the lock is free. Before, the pass waited.
 */
class BusySpinReview10Test {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T12:00:00Z"), ZoneOffset.UTC);
  private static final String PROJECTION_LOCK = "SELECT pg_advisory_xact_lock(hashtext('tollgate-projection:' ||"
      + " coalesce(current_schema(), '')))";

  @Test
  void aProcessWithEventsWaitingSpinsItsWriterWhileAnotherProjects() throws Exception {
    String url = Postgres.freshSchema("review10_spin");
    try (Store a = Postgres.open(url, "gw-a"); Store b = Postgres.open(url, "gw-b")) {
      String account = new Tenants(a, CLOCK).createAccount("spin").id();
      Accountant onA = Accountant.of(a, CLOCK);
      Accountant onB = Accountant.of(b, CLOCK);
      new Ledger(onA).topUp(account, Bucket.RMB, 1_000_000_000L, "t0", null);
      onA.follow().get(10, TimeUnit.SECONDS);
      try (Connection other = Postgres.connect(url)) {
        // another transaction projects (holds the projections' lock) for two seconds
        other.setAutoCommit(false);
        try (PreparedStatement s = other.prepareStatement(PROJECTION_LOCK)) {
          s.execute();
        }
        List<CompletableFuture<Reserved>> holds = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
          String req = "r" + i;
          holds.add(b.write(onB.reserve(AsideProjectionReview10Test.attempt(account, req),
              AsideProjectionReview10Test.context(account, req))));
        }
        for (CompletableFuture<Reserved> h : holds) {
          h.get(30, TimeUnit.SECONDS);
        }
        a.writeNow(c -> null); // A tails B's 300 holds: 256 and more wait
        long[] beforeA = a.commitCounts();
        long[] beforeB = b.commitCounts();
        Thread.sleep(2_000);
        long spunA = a.commitCounts()[0] - beforeA[0];
        long spunB = b.commitCounts()[0] - beforeB[0];
        other.rollback();
        System.out.println("review10 spin: commits in 2 s while another transaction projects, with no work queued: A "
            + spunA + ", B " + spunB);
        assertThat(spunA + spunB).as("writer transactions with nothing to do in 2 s").isLessThan(20);
      }
    } finally {
      Postgres.drop(url);
    }
  }
}
