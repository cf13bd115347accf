package io.tollgate.ledger.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.HoldContext;
import io.tollgate.ledger.Ledger;
import io.tollgate.ledger.LedgerIds;
import io.tollgate.ledger.LedgerSql;
import io.tollgate.ledger.LedgerVerifier;
import io.tollgate.ledger.core.Attempt;
import io.tollgate.ledger.core.Hold;
import io.tollgate.ledger.core.LedgerEvent;
import io.tollgate.ledger.core.Reserved;
import io.tollgate.receipts.Receipt;
import io.tollgate.receipts.ReceiptSql;
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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Adversarial review of de2e4c4 (projections aside: a transaction of their own, without the journal's lock, under a
 * projections' try-lock; forced projections in locked transactions take that lock after the journal's).
 */
class AsideProjectionReview10Test {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T12:00:00Z"), ZoneOffset.UTC);

  /**
   * Probe. Three processes decide (holds, postings with receipts), move money (top-ups: projections forced inside the
   * journal-locked transaction), mark receipts undelivered (forced too), follow aside and read (catch-up loop with
   * waits), all at once. No deadlock or stall past the timeouts; each read shows at least what was committed before it
   * began; every event projected once; the undelivered marks survive; verify holds.
   */
  @Test
  void threeProcessesProjectAsideWhileForcedProjectionsRunUnderTheJournalsLock() throws Exception {
    String url = Postgres.freshSchema("review10_mix");
    List<Store> stores = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(12);
    AtomicBoolean done = new AtomicBoolean();
    try {
      for (String node : List.of("gw-a", "gw-b", "gw-c")) {
        stores.add(Postgres.open(url, node));
      }
      String account = new Tenants(stores.get(0), CLOCK).createAccount("mix").id();
      List<Accountant> accountants = new ArrayList<>();
      for (Store s : stores) {
        accountants.add(Accountant.of(s, CLOCK));
      }
      new Ledger(accountants.get(0)).topUp(account, Bucket.RMB, 5_000_000, "t0", null);
      AtomicLong charged = new AtomicLong();
      AtomicLong toppedUp = new AtomicLong(5_000_000);
      ConcurrentLinkedQueue<String> undelivered = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<String> chargedRequests = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<String> readProblems = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<String> backwards = new ConcurrentLinkedQueue<>();
      List<Future<?>> runs = new ArrayList<>();
      List<Future<?>> background = new ArrayList<>();
      for (int n = 0; n < stores.size(); n++) {
        Store store = stores.get(n);
        Accountant accountant = accountants.get(n);
        // a follower (the 200 ms tick, faster) and a reader (catch-up) per process
        background.add(pool.submit(() -> {
          while (!done.get()) {
            accountant.follow().get(30, TimeUnit.SECONDS);
            Thread.sleep(3);
          }
          return null;
        }));
        background.add(pool.submit(() -> {
          long seen = 0;
          while (!done.get()) {
            long now = store.readAsIs(JournalSql::projectedSeq);
            if (now < seen) {
              backwards.add("the projections went from " + seen + " back to " + now);
            }
            seen = now;
            // what the other processes committed before the read began (this process's own commit may be visible
            // before its future completes: see ownCommitWindow)
            long before = store.readAsIs(c -> lastOfOthers(c, store.node()));
            long projected = store.read(JournalSql::projectedSeq);
            if (projected < before) {
              readProblems.add("a read on " + store.node() + " saw projections at " + projected + " after " + before
                  + " had committed; events " + store.readAsIs(c -> nodes(c, projected, before)));
            }
          }
          return null;
        }));
      }
      for (int i = 0; i < stores.size() * 2; i++) {
        int node = i % stores.size();
        int worker = i;
        Store store = stores.get(node);
        Accountant accountant = accountants.get(node);
        Ledger ledger = new Ledger(accountant);
        runs.add(pool.submit(() -> {
          for (int k = 0; k < 30; k++) {
            List<CompletableFuture<Reserved>> holds = new ArrayList<>();
            for (int h = 0; h < 3; h++) {
              String req = "req_" + worker + "_" + k + "_" + h;
              holds.add(store.write(accountant.reserve(attempt(account, req), context(account, req))));
            }
            List<CompletableFuture<Accountant.Posted>> posts = new ArrayList<>();
            for (CompletableFuture<Reserved> f : holds) {
              Reserved r = f.get(30, TimeUnit.SECONDS);
              if (r instanceof Hold hold) {
                posts.add(store.write(accountant.post(hold.id(), List.of(), 700_000, 10,
                    p -> ReceiptProjectionReviewTest.receipt(account, hold.requestId(), p), Accountant.AlsoWrite.NOTHING)));
              }
            }
            String last = null;
            for (CompletableFuture<Accountant.Posted> p : posts) {
              Accountant.Posted posted = p.get(30, TimeUnit.SECONDS);
              if (posted.posting() != null) {
                charged.addAndGet(posted.posting().chargedMicros());
                last = posted.posting().requestId();
                chargedRequests.add(last);
              }
            }
            if (last != null && k % 3 == 0) {
              // Billing.undelivered's work: the receipt is a projection, brought in first, under both locks
              String id = last;
              store.write(c -> {
                accountant.projection().run(c);
                ReceiptSql.markUndelivered(c, id);
                return null;
              }).get(30, TimeUnit.SECONDS);
              undelivered.add(id);
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
        run.get(180, TimeUnit.SECONDS);
      }
      done.set(true);
      for (Future<?> b : background) {
        b.get(60, TimeUnit.SECONDS);
      }
      assertThat(backwards).isEmpty();
      // reads that showed less than the others had committed: the catch-up check's race (CatchUpRaceReview10Test,
      // pre-existing); printed, not asserted here, so that this probe checks the rest
      System.out.println("review10 mix: reads behind what was committed before them: " + readProblems.size()
          + (readProblems.isEmpty() ? "" : ", e.g. " + readProblems.peek()));
      long expected = toppedUp.get() - charged.get();
      Store s0 = stores.get(0);
      for (int i = 0; i < stores.size(); i++) {
        stores.get(i).writeNow(c -> null);
        assertThat(accountants.get(i).view().walletState(account, Bucket.RMB).balanceMicros()).isEqualTo(expected);
      }
      long inDb = s0.read(c -> LedgerSql.wallet(c, LedgerIds.wallet(account, Bucket.RMB)).balance());
      assertThat(inDb).isEqualTo(expected);
      assertThat((long) s0.read(JournalSql::projectedSeq)).isEqualTo(s0.readAsIs(JournalSql::lastSeq));
      for (String id : undelivered) {
        Receipt r = s0.read(c -> ReceiptSql.byId(c, id)).orElseThrow();
        assertThat(r.charged()).as(id).isTrue();
        assertThat(s0.<String>read(c -> body(c, id))).as("the undelivered mark of " + id + " survives").contains("\"delivery\"");
      }
      for (String id : chargedRequests) {
        assertThat(s0.read(c -> ReceiptSql.byId(c, id)).orElseThrow().charged()).as(id).isTrue();
      }
      LedgerVerifier.Report report = LedgerVerifier.verify(s0, CLOCK.millis());
      assertThat(report.ok()).as(report.text()).isTrue();
      System.out.println("review10 mix: charged " + charged.get() + ", topped up " + toppedUp.get() + ", undelivered "
          + undelivered.size() + ", events " + s0.readAsIs(JournalSql::lastSeq));
    } finally {
      done.set(true);
      pool.shutdownNow();
      for (Store s : stores) {
        s.close();
      }
      Postgres.drop(url);
    }
  }

  /**
   * Probe. A's aside pass holds the projections' lock and is stuck on a row (held by an outside transaction); its
   * connection is then cut. Meanwhile B's top-up (forced projection, journal lock then projections' lock) and B's read
   * wait. After the cut and the release: A's pass failed and A repaired, nothing was projected twice or lost.
   */
  @Test
  void anAsidePassCutOffWhileHoldingTheProjectionsLockLeavesOneLedger() throws Exception {
    String url = Postgres.freshSchema("review10_cut");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (Store a = Postgres.open(url, "gw-a"); Store b = Postgres.open(url, "gw-b")) {
      String account = new Tenants(a, CLOCK).createAccount("cut").id();
      Accountant onA = Accountant.of(a, CLOCK);
      Accountant onB = Accountant.of(b, CLOCK);
      new Ledger(onA).topUp(account, Bucket.RMB, 10_000_000, "t0", null);
      Hold h1 = (Hold) b.write(onB.reserve(attempt(account, "r1"), context(account, "r1"))).get(10, TimeUnit.SECONDS);
      b.write(onB.post(h1.id(), List.of(), 300_000, 10, p -> ReceiptProjectionReviewTest.receipt(account, "r1", p),
          Accountant.AlsoWrite.NOTHING)).get(10, TimeUnit.SECONDS);
      assertThat(onB.behind()).isPositive();

      try (Connection outside = Postgres.connect(url)) {
        outside.setAutoCommit(false);
        try (PreparedStatement s = outside.prepareStatement("SELECT balance FROM ledger_accounts WHERE id = ? FOR UPDATE")) {
          s.setString(1, LedgerIds.wallet(account, Bucket.RMB));
          s.executeQuery().close();
        }
        CompletableFuture<Boolean> aside = onA.follow();
        int pid = waiting("tollgate gw-a", "Lock", null);
        // B: a top-up forces a projection under the journal's lock; a read waits for the projections
        Future<?> topUp = pool.submit(() -> new Ledger(onB).topUp(account, Bucket.RMB, 1_000_000, "t1", null));
        Future<Long> read = pool.submit(() -> b.read(c -> LedgerSql.wallet(c, LedgerIds.wallet(account, Bucket.RMB)).balance()));
        Thread.sleep(300);
        assertThat(topUp).as("B's movement waits for A's pass, holding the journal's lock").isNotDone();
        terminate(pid);
        assertThatThrownBy(() -> aside.get(30, TimeUnit.SECONDS)).as("A's pass failed with its connection");
        Thread.sleep(200);
        outside.rollback();
        topUp.get(30, TimeUnit.SECONDS);
        assertThat(read.get(30, TimeUnit.SECONDS)).isIn(9_700_000L, 10_700_000L);
      }
      assertThat(onA.follow().get(30, TimeUnit.SECONDS)).isTrue();
      assertThat(onB.follow().get(30, TimeUnit.SECONDS)).isTrue();
      long inDb = a.read(c -> LedgerSql.wallet(c, LedgerIds.wallet(account, Bucket.RMB)).balance());
      assertThat(inDb).isEqualTo(10_700_000L);
      a.writeNow(c -> null);
      assertThat(onA.view().snapshot()).isEqualTo(onB.view().snapshot());
      assertThat((long) a.read(JournalSql::projectedSeq)).isEqualTo(a.readAsIs(JournalSql::lastSeq));
      LedgerVerifier.Report report = LedgerVerifier.verify(a, CLOCK.millis());
      assertThat(report.ok()).as(report.text()).isTrue();
    } finally {
      pool.shutdownNow();
      Postgres.drop(url);
    }
  }

  /**
   * Probe. An own event whose commit answer was lost comes back through the tail of an aside transaction: the
   * committed-events listener (Redis) hears of it once, at the aside commit, and not again at the next commit.
   */
  @Test
  void anOwnEventFoundByAnAsideTailIsHeardOnce() throws Exception {
    String url = Postgres.freshSchema("review10_late");
    try (Store a = Postgres.open(url, "gw-a"); Store b = Postgres.open(url, "gw-b")) {
      String account = new Tenants(a, CLOCK).createAccount("late").id();
      Accountant onA = Accountant.of(a, CLOCK);
      List<LedgerEvent> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
      onA.onCommitted(heard::addAll);
      Accountant onB = Accountant.of(b, CLOCK);
      new Ledger(onB).topUp(account, Bucket.RMB, 5_000, "lost-answer", null);
      long lost = b.readAsIs(JournalSql::lastSeq);
      try (Connection c = Postgres.connect(url);
          PreparedStatement s = c.prepareStatement("UPDATE journal SET node = 'gw-a' WHERE seq = ?")) {
        s.setLong(1, lost);
        assertThat(s.executeUpdate()).isEqualTo(1);
      }
      heard.clear();
      onA.follow().get(10, TimeUnit.SECONDS);
      assertThat(heard).extracting(LedgerEvent::seq).containsExactly(lost);
      heard.clear();
      new Ledger(onA).topUp(account, Bucket.RMB, 1_000, "a-own", null);
      assertThat(heard).extracting(LedgerEvent::seq).containsExactly(lost + 1);
    } finally {
      Postgres.drop(url);
    }
  }

  static Attempt attempt(String account, String req) {
    return new Attempt("hold_" + req, req, account, Bucket.RMB, 1_000_000, List.of(), CLOCK.millis() + 600_000);
  }

  static HoldContext context(String account, String req) {
    return new HoldContext(req, account, "proj", "key", "chat.completions", "chat-a", "routed", "primary", "main",
        "up-a", 10, false, CLOCK.millis(), null);
  }

  static long lastOfOthers(Connection c, String node) throws java.sql.SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT COALESCE(MAX(seq), 0) FROM journal WHERE node <> ?")) {
      s.setString(1, node);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  static String nodes(Connection c, long from, long to) throws java.sql.SQLException {
    StringBuilder out = new StringBuilder();
    try (PreparedStatement s = c.prepareStatement("SELECT seq, node, kind FROM journal WHERE seq > ? AND seq <= ? ORDER BY seq")) {
      s.setLong(1, from);
      s.setLong(2, to);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.append(rs.getLong(1)).append(':').append(rs.getString(2)).append(':').append(rs.getString(3)).append(' ');
        }
      }
    }
    return out.toString();
  }

  private static String body(Connection c, String id) throws java.sql.SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT body FROM receipts WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  /** The pid of {@code application}'s backend waiting on {@code type} (and {@code event} when not null). */
  static int waiting(String application, String type, String event) throws Exception {
    long until = System.currentTimeMillis() + 30_000;
    try (Connection c = Postgres.connect(Postgres.HOST_URL)) {
      while (System.currentTimeMillis() < until) {
        try (PreparedStatement s = c.prepareStatement("SELECT pid FROM pg_stat_activity WHERE application_name = ?"
            + " AND wait_event_type = ?" + (event == null ? "" : " AND wait_event = ?"))) {
          s.setString(1, application);
          s.setString(2, type);
          if (event != null) {
            s.setString(3, event);
          }
          try (ResultSet rs = s.executeQuery()) {
            if (rs.next()) {
              return rs.getInt(1);
            }
          }
        }
        Thread.sleep(20);
      }
    }
    throw new AssertionError(application + " never waited on " + type);
  }

  static void terminate(int pid) throws Exception {
    try (Connection c = Postgres.connect(Postgres.HOST_URL);
        PreparedStatement s = c.prepareStatement("SELECT pg_terminate_backend(?)")) {
      s.setInt(1, pid);
      s.execute();
    }
  }
}
