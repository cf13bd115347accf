package io.tollgate.ledger.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.Ledger;
import io.tollgate.store.Store;
import io.tollgate.tenants.Tenants;
import java.nio.file.Path;
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
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of de2e4c4 on SQLite, where writeAside is write. Probe (passes): reads that must catch up still join the
 * batch under way (one commit), follow() projects, and a follow queued behind a batch that appends projects its
 * events.
 */
class SqliteCatchUpReview10Test {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T12:00:00Z"), ZoneOffset.UTC);

  @TempDir
  Path dir;

  @Test
  void catchUpsOnAFileJoinTheBatchAndFollowProjects() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try (Store s = Store.open(dir.resolve("g.db"))) {
      String account = new Tenants(s, CLOCK).createAccount("file").id();
      Accountant acc = Accountant.of(s, CLOCK);
      new Ledger(acc).topUp(account, Bucket.RMB, 10_000_000, "t0", null);
      s.write(acc.reserve(AsideProjectionReview10Test.attempt(account, "r1"), AsideProjectionReview10Test.context(account, "r1")))
          .get(10, TimeUnit.SECONDS);
      assertThat(acc.behind()).isPositive();
      CountDownLatch release = io.tollgate.testing.WriterGate.hold(s);
      long before = s.commitCounts()[0];
      List<Future<String>> reads = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        reads.add(pool.submit(() -> s.read(c -> io.tollgate.testing.HoldRows.status(c, "hold_r1"))));
      }
      Thread.sleep(500);
      release.countDown();
      for (Future<String> r : reads) {
        assertThat(r.get(10, TimeUnit.SECONDS)).isEqualTo("pending");
      }
      assertThat(s.commitCounts()[0] - before).isLessThanOrEqualTo(2);
      s.write(acc.reserve(AsideProjectionReview10Test.attempt(account, "r2"), AsideProjectionReview10Test.context(account, "r2")));
      assertThat(acc.follow().get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(acc.behind()).isZero();
    } finally {
      pool.shutdownNow();
    }
  }
}
