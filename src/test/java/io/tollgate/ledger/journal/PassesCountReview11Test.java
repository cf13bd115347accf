package io.tollgate.ledger.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.Ledger;
import io.tollgate.store.Store;
import io.tollgate.tenants.Tenants;
import io.tollgate.testing.Postgres;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Review of c3cafaf with 9012fec. Since c3cafaf the catch-ups asked during one batch run together, in one aside
 * transaction (one projection pass), but {@code following()} counts {@code passesDone}/{@code passesBusy} once per
 * task: eight reads that catch up in one transaction count eight passes done
 * ({@code tollgate_journal_projection_passes_total{outcome="done"}}), and eight busy when another process projects. The
 * metric then measures reads, not passes, and its busy/done ratio does not say how often the writer's passes were
 * skipped. Low severity (a metric). FAILS on c3cafaf.
 */
class PassesCountReview11Test {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-04T12:00:00Z"), ZoneOffset.UTC);

  @Test
  void eightCatchUpsInOneTransactionCountAsOnePass() throws Exception {
    String url = Postgres.freshSchema("review11_passes");
    ExecutorService pool = Executors.newFixedThreadPool(10);
    try (Store a = Postgres.open(url, "gw-a"); Store b = Postgres.open(url, "gw-b")) {
      String account = new Tenants(a, CLOCK).createAccount("passes").id();
      Accountant onA = Accountant.of(a, CLOCK);
      Accountant onB = Accountant.of(b, CLOCK);
      new Ledger(onA).topUp(account, Bucket.RMB, 10_000_000, "t0", null);
      onA.follow().get(10, TimeUnit.SECONDS);
      b.write(onB.reserve(AsideProjectionReview10Test.attempt(account, "r1"),
          AsideProjectionReview10Test.context(account, "r1"))).get(10, TimeUnit.SECONDS);

      CountDownLatch release = io.tollgate.testing.WriterGate.hold(a);
      long commitsBefore = a.commitCounts()[0];
      long[] passesBefore = onA.projectionPasses();
      List<Future<String>> reads = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        reads.add(pool.submit(() -> a.read(c -> io.tollgate.testing.HoldRows.status(c, "hold_r1"))));
      }
      Thread.sleep(1_000);
      release.countDown();
      for (Future<String> r : reads) {
        assertThat(r.get(30, TimeUnit.SECONDS)).isEqualTo("pending");
      }
      long commits = a.commitCounts()[0] - commitsBefore;
      long done = onA.projectionPasses()[0] - passesBefore[0];
      System.out.println("review11: commits " + commits + ", passes counted done " + done);
      assertThat(commits).as("the gate's batch and one aside transaction").isLessThanOrEqualTo(2);
      assertThat(done).as("passes counted done, for at most one aside transaction").isLessThanOrEqualTo(1);
    } finally {
      pool.shutdownNow();
      Postgres.drop(url);
    }
  }
}
