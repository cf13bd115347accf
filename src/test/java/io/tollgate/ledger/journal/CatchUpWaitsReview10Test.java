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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Review of de2e4c4: what reads that must catch up cost the writer and the readers' pool on a shared store. */
class CatchUpWaitsReview10Test {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T12:00:00Z"), ZoneOffset.UTC);
  private static final String PROJECTION_LOCK = "SELECT pg_advisory_xact_lock(hashtext('tollgate-projection:' ||"
      + " coalesce(current_schema(), '')))";

  /**
   * FAILS on de2e4c4. Reads that find the projections behind each queue an aside task, and the writer runs every aside
   * task in a transaction of its own (GroupCommitWriter.runAsides: no batching, no coalescing): eight reads arriving
   * during one batch cost eight more transactions (tail, try-lock, position, commit each), run one after another on
   * the writer before its next batch of requests. Before (88d1f93) their projection tasks joined the batch under way:
   * one commit for all.
   */
  @Test
  void concurrentCatchUpsCostOneWriterTransactionEach() throws Exception {
    String url = Postgres.freshSchema("review10_coalesce");
    ExecutorService pool = Executors.newFixedThreadPool(10);
    try (Store a = Postgres.open(url, "gw-a"); Store b = Postgres.open(url, "gw-b")) {
      String account = new Tenants(a, CLOCK).createAccount("coalesce").id();
      Accountant onA = Accountant.of(a, CLOCK);
      Accountant onB = Accountant.of(b, CLOCK);
      new Ledger(onA).topUp(account, Bucket.RMB, 10_000_000, "t0", null);
      onA.follow().get(10, TimeUnit.SECONDS);
      b.write(onB.reserve(AsideProjectionReview10Test.attempt(account, "r1"),
          AsideProjectionReview10Test.context(account, "r1"))).get(10, TimeUnit.SECONDS);

      CountDownLatch release = io.tollgate.testing.WriterGate.hold(a);
      long before = a.commitCounts()[0];
      List<Future<String>> reads = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        reads.add(pool.submit(() -> a.read(c -> io.tollgate.testing.HoldRows.status(c, "hold_r1"))));
      }
      Thread.sleep(1_000);
      release.countDown();
      for (Future<String> r : reads) {
        assertThat(r.get(30, TimeUnit.SECONDS)).isEqualTo("pending");
      }
      long commits = a.commitCounts()[0] - before;
      System.out.println("review10: writer commits for one batch and eight catch-ups: " + commits);
      assertThat(commits).as("the batch under way and, at most, one projection for the eight reads").isLessThanOrEqualTo(2);
    } finally {
      pool.shutdownNow();
      Postgres.drop(url);
    }
  }

  /**
   * Probe (prints what happens; FAILS on de2e4c4 if the last read fails). While another transaction projects, each
   * read that must catch up waits for the projections' lock on a reader connection it keeps meanwhile
   * (awaitProjections); with the pool taken by such waits, a read on the same process cannot get a connection within
   * the pool's timeout (3 s) and fails, although the database answers.
   */
  @Test
  void readsWaitingForTheProjectionsLockTakeTheReadersPool() throws Exception {
    String url = Postgres.freshSchema("review10_pool");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (Store a = Postgres.open(url, "gw-a"); Store b = Postgres.open(url, "gw-b")) {
      String account = new Tenants(a, CLOCK).createAccount("pool").id();
      Accountant onA = Accountant.of(a, CLOCK);
      Accountant onB = Accountant.of(b, CLOCK);
      new Ledger(onA).topUp(account, Bucket.RMB, 10_000_000, "t0", null);
      onA.follow().get(10, TimeUnit.SECONDS);
      try (Connection other = Postgres.connect(url)) {
        other.setAutoCommit(false);
        try (PreparedStatement s = other.prepareStatement(PROJECTION_LOCK)) {
          s.execute();
        }
        b.write(onB.reserve(AsideProjectionReview10Test.attempt(account, "r1"),
            AsideProjectionReview10Test.context(account, "r1"))).get(10, TimeUnit.SECONDS);
        // two reads wait for the projections (the test pool has two connections)
        List<Future<String>> waiting = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          waiting.add(pool.submit(() -> a.read(c -> io.tollgate.testing.HoldRows.status(c, "hold_r1"))));
        }
        Thread.sleep(1_000);
        // a third read on A, while the lock is held for some seconds more (a long pass elsewhere)
        Future<String> third = pool.submit(() -> a.read(c -> io.tollgate.testing.HoldRows.status(c, "hold_r1")));
        Thread.sleep(8_000);
        other.rollback();
        for (Future<String> w : waiting) {
          assertThat(w.get(30, TimeUnit.SECONDS)).isEqualTo("pending");
        }
        String outcome;
        try {
          outcome = third.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
          outcome = "failed: " + e.getCause();
        }
        System.out.println("review10: a read while two others wait for the projections' lock: " + outcome);
        assertThat(outcome).isEqualTo("pending");
      }
    } finally {
      pool.shutdownNow();
      Postgres.drop(url);
    }
  }
}
