package io.tollgate.ledger.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.Ledger;
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
 * Review of 9012fec. After a pass finds the projections busy, Accountant.projectAt becomes waiting() + 256, and only
 * a pass of {@code following()} (follow or a read's catch-up) that is done sets it back to 256. A projection under the
 * journal's lock ({@code projection()}: Billing's undelivered receipt, and move/resolve project the same way) empties
 * waiting() but leaves projectAt high: the writer then lets up to twice as many events wait before it queues a pass by
 * itself, although far more than "another 256 events" (docs/scale-out.md) have passed since the busy pass. Without
 * the gateway's 200 ms tick (not running here) nothing else bounds it; each later busy pass raises it again from the
 * then waiting count. Low severity: the tick follows anyway. FAILS on c3cafaf.
 */
class ProjectAtReview11Test {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-04T12:00:00Z"), ZoneOffset.UTC);
  private static final String PROJECTION_LOCK = "SELECT pg_advisory_xact_lock(hashtext('tollgate-projection:' ||"
      + " coalesce(current_schema(), '')))";

  @Test
  void aLockedProjectionAfterABusyPassLeavesTheThresholdRaised() throws Exception {
    String url = Postgres.freshSchema("review11_projectat");
    try (Store a = Postgres.open(url, "gw-a")) {
      String account = new Tenants(a, CLOCK).createAccount("projectat").id();
      Accountant onA = Accountant.of(a, CLOCK);
      new Ledger(onA).topUp(account, Bucket.RMB, 2_000_000_000L, "t0", null);
      assertThat(onA.follow().get(10, TimeUnit.SECONDS)).isTrue();
      try (Connection other = Postgres.connect(url)) {
        other.setAutoCommit(false);
        try (PreparedStatement s = other.prepareStatement(PROJECTION_LOCK)) {
          s.execute();
        }
        holds(a, onA, account, "x", 260);
        a.writeNow(c -> null);
        assertThat(onA.projectionPasses()[1]).as("the pass at 256 events found the projections busy").isPositive();
        other.rollback();
      }
      // a projection under the journal's lock (as Billing.undelivered runs it): nothing waits any more
      a.writeNow(onA.projection());
      assertThat(onA.behind()).isZero();
      long doneBefore = onA.projectionPasses()[0];
      holds(a, onA, account, "y", 300);
      a.writeNow(c -> null);
      a.writeNow(c -> null);
      System.out.println("review11: after 300 more events, behind " + onA.behind() + ", passes done "
          + (onA.projectionPasses()[0] - doneBefore));
      assertThat(onA.projectionPasses()[0] - doneBefore).as("passes the writer queued by itself over 300 events")
          .isPositive();
      assertThat(onA.behind()).as("events waiting for projection").isLessThan(300);
    } finally {
      Postgres.drop(url);
    }
  }

  /** Control (passes): without the busy pass before, 300 events queue a pass by themselves at 256. */
  @Test
  void withoutABusyPassThreeHundredEventsQueueAPass() throws Exception {
    String url = Postgres.freshSchema("review11_projectat_ctl");
    try (Store a = Postgres.open(url, "gw-a")) {
      String account = new Tenants(a, CLOCK).createAccount("projectat").id();
      Accountant onA = Accountant.of(a, CLOCK);
      new Ledger(onA).topUp(account, Bucket.RMB, 2_000_000_000L, "t0", null);
      a.writeNow(onA.projection());
      long doneBefore = onA.projectionPasses()[0];
      holds(a, onA, account, "y", 300);
      a.writeNow(c -> null);
      a.writeNow(c -> null);
      assertThat(onA.projectionPasses()[0] - doneBefore).isPositive();
      assertThat(onA.behind()).isLessThan(300);
    } finally {
      Postgres.drop(url);
    }
  }

  private static void holds(Store a, Accountant onA, String account, String prefix, int n) throws Exception {
    List<CompletableFuture<?>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String req = "r" + prefix + i;
      all.add(a.write(onA.reserve(AsideProjectionReview10Test.attempt(account, req),
          AsideProjectionReview10Test.context(account, req))));
      if (all.size() == 20) {
        for (CompletableFuture<?> f : all) {
          f.get(30, TimeUnit.SECONDS);
        }
        all.clear();
      }
    }
    for (CompletableFuture<?> f : all) {
      f.get(30, TimeUnit.SECONDS);
    }
  }
}
