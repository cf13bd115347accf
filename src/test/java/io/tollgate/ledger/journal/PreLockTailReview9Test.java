package io.tollgate.ledger.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.HoldContext;
import io.tollgate.ledger.Ledger;
import io.tollgate.ledger.LedgerIds;
import io.tollgate.ledger.LedgerSql;
import io.tollgate.ledger.LedgerVerifier;
import io.tollgate.ledger.core.Attempt;
import io.tollgate.ledger.core.Hold;
import io.tollgate.ledger.core.Reserved;
import io.tollgate.store.Store;
import io.tollgate.tenants.Tenants;
import io.tollgate.testing.Postgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Adversarial review of 8caf3d5: on a shared journal a write transaction applies the others' committed events before
 * it takes the journal's lock, and again under it; the writer's connections are read-committed.
 * Probe: both tests pass on a5d826b (no bug found in 8caf3d5 here).
 */
class PreLockTailReview9Test {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T12:00:00Z"), ZoneOffset.UTC);

  /**
   * The writer's connection is cut while it waits for the lock, after its pre-lock tail applied another process's
   * committed event: the repair keeps that event (it is committed), skips the rebuild, and the next transaction
   * tails what was committed meanwhile; the cores of both processes and the journal stay one.
   */
  @Test
  void aWriterCutOffBetweenItsTwoTailsKeepsOnlyCommittedEvents() throws Exception {
    String url = Postgres.freshSchema("review9_cut");
    Store a = Postgres.open(url, "gw-a");
    Store b = Postgres.open(url, "gw-b");
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      String account = new Tenants(a, CLOCK).createAccount("cut").id();
      Accountant onA = Accountant.of(a, CLOCK);
      Accountant onB = Accountant.of(b, CLOCK);
      Ledger la = new Ledger(onA);
      Ledger lb = new Ledger(onB);
      lb.topUp(account, Bucket.RMB, 1_000_000, "b1", null);

      // B holds the journal's lock in an open batch
      CountDownLatch holding = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<Object> gate = b.write(c -> {
        holding.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
        return null;
      });
      assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
      // a top-up queued on B meanwhile joins the batch that holds the lock: it commits when the gate opens
      Future<?> bSecond = pool.submit(() -> lb.topUp(account, Bucket.RMB, 2_000_000, "b2", null));
      // A's next write transaction applies b1 before the lock, then waits for it
      Future<?> aFirst = pool.submit(() -> la.topUp(account, Bucket.RMB, 4_000_000, "a1", null));
      int pid = waitingForTheLock("tollgate gw-a");
      assertThat(onA.view().walletState(account, Bucket.RMB).balanceMicros()).as("b1 applied before the lock").isEqualTo(1_000_000);
      terminate(pid);
      boolean a1Failed;
      try {
        aFirst.get(30, TimeUnit.SECONDS);
        a1Failed = false;
      } catch (ExecutionException e) {
        a1Failed = true;
      }
      System.out.println("review9: a1 failed with its connection cut between the two tails: " + a1Failed);
      assertThat(a1Failed).as("the cut reached the transaction waiting for the lock").isTrue();
      release.countDown();
      gate.get(30, TimeUnit.SECONDS);
      bSecond.get(30, TimeUnit.SECONDS);
      la.topUp(account, Bucket.RMB, 8_000_000, "a2", null);

      long expected = 1_000_000 + 2_000_000 + 8_000_000 + (a1Failed ? 0 : 4_000_000);
      a.writeNow(c -> null);
      b.writeNow(c -> null);
      for (Accountant acc : List.of(onA, onB)) {
        assertThat(acc.view().walletState(account, Bucket.RMB).balanceMicros()).as("a1 failed: " + a1Failed).isEqualTo(expected);
      }
      assertThat(onA.view().snapshot()).isEqualTo(onB.view().snapshot());
      assertThat((long) a.read(c -> JournalSql.lastSeq(c))).isEqualTo(onA.view().lastSeq());
      long inDb = a.read(c -> LedgerSql.wallet(c, LedgerIds.wallet(account, Bucket.RMB)).balance());
      assertThat(inDb).isEqualTo(expected);
      LedgerVerifier.Report report = LedgerVerifier.verify(a, CLOCK.millis());
      assertThat(report.ok()).as(report.text()).isTrue();
    } finally {
      pool.shutdownNow();
      b.close();
      a.close();
      Postgres.drop(url);
    }
  }

  /**
   * Three processes with asynchronous commits (synchronous_commit off) admit, post and top up one small wallet at
   * once, with group commits: every charge once, never below zero, three cores and the journal alike.
   */
  @Test
  void threeProcessesWithAsynchronousCommitsStayOneLedger() throws Exception {
    String url = Postgres.freshSchema("review9_async");
    List<Store> stores = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      for (String node : List.of("gw-a", "gw-b", "gw-c")) {
        Store s = Postgres.open(url, node);
        s.sync("NORMAL");
        stores.add(s);
      }
      assertThat(stores.get(0).syncLevel()).isEqualTo(1);
      String account = new Tenants(stores.get(0), CLOCK).createAccount("async").id();
      List<Accountant> accountants = new ArrayList<>();
      for (Store s : stores) {
        accountants.add(Accountant.of(s, CLOCK));
      }
      new Ledger(accountants.get(0)).topUp(account, Bucket.RMB, 5_000_000, "t0", null);
      AtomicLong charged = new AtomicLong();
      AtomicLong toppedUp = new AtomicLong(5_000_000);
      AtomicLong refused = new AtomicLong();
      List<Future<?>> runs = new ArrayList<>();
      for (int i = 0; i < stores.size() * 2; i++) {
        int node = i % stores.size();
        int worker = i;
        Store store = stores.get(node);
        Accountant accountant = accountants.get(node);
        Ledger ledger = new Ledger(accountant);
        runs.add(pool.submit(() -> {
          for (int k = 0; k < 60; k++) {
            List<CompletableFuture<Reserved>> holds = new ArrayList<>();
            for (int h = 0; h < 3; h++) {
              String req = "req_" + worker + "_" + k + "_" + h;
              HoldContext ctx = new HoldContext(req, account, "proj", "key", "chat.completions", "chat-a", "routed",
                  "primary", "main", "up-a", 10, false, CLOCK.millis(), null);
              holds.add(store.write(accountant.reserve(new Attempt("hold_" + req, req, account, Bucket.RMB, 1_000_000,
                  List.of(), CLOCK.millis() + 600_000), ctx)));
            }
            List<CompletableFuture<Accountant.Posted>> posts = new ArrayList<>();
            for (CompletableFuture<Reserved> f : holds) {
              Reserved r = f.get(30, TimeUnit.SECONDS);
              if (r instanceof Hold hold) {
                posts.add(store.write(accountant.post(hold.id(), List.of(), 700_000, 10,
                    p -> ReceiptProjectionReviewTest.receipt(account, hold.requestId(), p), Accountant.AlsoWrite.NOTHING)));
              } else {
                refused.incrementAndGet();
              }
            }
            for (CompletableFuture<Accountant.Posted> p : posts) {
              Accountant.Posted posted = p.get(30, TimeUnit.SECONDS);
              if (posted.posting() != null) {
                charged.addAndGet(posted.posting().chargedMicros());
              }
            }
            if (k % 2 == 0) {
              ledger.topUp(account, Bucket.RMB, 2_000_000, "top_" + worker + "_" + k, null);
              toppedUp.addAndGet(2_000_000);
            }
          }
          return null;
        }));
      }
      for (Future<?> run : runs) {
        run.get(120, TimeUnit.SECONDS);
      }
      long expected = toppedUp.get() - charged.get();
      System.out.println("review9: charged " + charged.get() + ", topped up " + toppedUp.get() + ", refused " + refused.get());
      assertThat(refused.get()).as("the wallet ran short at times").isPositive();
      for (int i = 0; i < stores.size(); i++) {
        stores.get(i).writeNow(accountants.get(i).projection());
      }
      for (int i = 0; i < stores.size(); i++) {
        stores.get(i).writeNow(c -> null);
        assertThat(accountants.get(i).view().walletState(account, Bucket.RMB).balanceMicros()).isEqualTo(expected);
        assertThat(accountants.get(i).view().snapshot()).isEqualTo(accountants.get(0).view().snapshot());
      }
      assertThat(expected).isNotNegative();
      Store s0 = stores.get(0);
      long inDb = s0.read(c -> LedgerSql.wallet(c, LedgerIds.wallet(account, Bucket.RMB)).balance());
      assertThat(inDb).isEqualTo(expected);
      assertThat((long) s0.read(c -> JournalSql.lastSeq(c))).isEqualTo(accountants.get(0).view().lastSeq());
      LedgerVerifier.Report report = LedgerVerifier.verify(s0, CLOCK.millis());
      assertThat(report.ok()).as(report.text()).isTrue();
    } finally {
      pool.shutdownNow();
      for (Store s : stores) {
        s.close();
      }
      Postgres.drop(url);
    }
  }

  /** The pid of the backend of {@code application} that waits for an advisory lock. */
  private static int waitingForTheLock(String application) throws Exception {
    long until = System.currentTimeMillis() + 30_000;
    try (Connection c = Postgres.connect(Postgres.HOST_URL)) {
      while (System.currentTimeMillis() < until) {
        try (PreparedStatement s = c.prepareStatement("SELECT pid FROM pg_stat_activity WHERE application_name = ?"
            + " AND wait_event_type = 'Lock' AND wait_event = 'advisory'")) {
          s.setString(1, application);
          try (ResultSet rs = s.executeQuery()) {
            if (rs.next()) {
              return rs.getInt(1);
            }
          }
        }
        Thread.sleep(20);
      }
    }
    throw new AssertionError(application + " never waited for the journal's lock");
  }

  private static void terminate(int pid) throws Exception {
    try (Connection c = Postgres.connect(Postgres.HOST_URL);
        PreparedStatement s = c.prepareStatement("SELECT pg_terminate_backend(?)")) {
      s.setInt(1, pid);
      s.execute();
    }
  }
}
