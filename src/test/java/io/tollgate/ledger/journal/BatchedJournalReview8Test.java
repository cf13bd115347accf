package io.tollgate.ledger.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.HoldContext;
import io.tollgate.ledger.Ledger;
import io.tollgate.ledger.LedgerVerifier;
import io.tollgate.ledger.core.Attempt;
import io.tollgate.ledger.core.Hold;
import io.tollgate.store.Store;
import io.tollgate.tenants.Tenants;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adversarial review of 1523747: journal rows written in one batch before the commit, batched projections. */
class BatchedJournalReview8Test {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T10:00:00Z"), ZoneOffset.UTC);

  @TempDir
  Path dir;

  /** Group commits in which one task fails after others appended: the batch is re-run task by task. */
  @Test
  void batchesWithAFailingTaskKeepJournalCoreAndProjectionsInStepOnSqlite() throws Exception {
    Store store = Store.open(dir.resolve("b.db"));
    try {
      run(List.of(store), dir.resolve("b.db").toString());
    } finally {
      store.close();
    }
    try (Store again = Store.open(dir.resolve("b.db"))) {
      LedgerVerifier.Report report = LedgerVerifier.verify(again, CLOCK.millis());
      assertThat(report.ok()).as(report.text()).isTrue();
    }
  }

  @Test
  void twoNodesWithFailingTasksInTheirBatchesKeepTheSharedJournalWhole() throws Exception {
    String url = io.tollgate.testing.Postgres.freshSchema("review8");
    Store a = io.tollgate.testing.Postgres.open(url, "node-a");
    Store b = io.tollgate.testing.Postgres.open(url, "node-b");
    try {
      run(List.of(a, b), url);
      LedgerVerifier.Report report = LedgerVerifier.verify(a, CLOCK.millis());
      assertThat(report.ok()).as(report.text()).isTrue();
      a.writeNow(c -> null);
      b.writeNow(c -> null);
      assertThat(Accountant.of(a, CLOCK).view().snapshot()).isEqualTo(Accountant.of(b, CLOCK).view().snapshot());
    } finally {
      b.close();
      a.close();
      io.tollgate.testing.Postgres.drop(url);
    }
  }

  private void run(List<Store> stores, String where) throws Exception {
    String account = new Tenants(stores.get(0), CLOCK).createAccount("b").id();
    List<Accountant> accountants = new ArrayList<>();
    for (Store s : stores) {
      accountants.add(Accountant.of(s, CLOCK));
    }
    new Ledger(accountants.get(0)).topUp(account, Bucket.RMB, 1_000_000_000, "t0", null);
    List<List<Hold>> open = new ArrayList<>();
    for (int i = 0; i < stores.size(); i++) {
      open.add(new ArrayList<>());
    }
    int n = 0;
    List<String> charged = new ArrayList<>();
    for (int round = 0; round < 40; round++) {
      List<CompletableFuture<?>> futures = new ArrayList<>();
      List<CountDownLatch> gates = new ArrayList<>();
      List<CompletableFuture<List<Object>>> results = new ArrayList<>();
      for (int i = 0; i < stores.size(); i++) {
        Store store = stores.get(i);
        Accountant accountant = accountants.get(i);
        CountDownLatch gate = io.tollgate.testing.WriterGate.hold(store);
        gates.add(gate);
        List<Hold> mine = open.get(i);
        for (int k = 0; k < 3; k++) {
          n++;
          String req = "req_" + i + "_" + n;
          HoldContext ctx = new HoldContext(req, account, "proj", "key", "chat.completions", "chat-a", "routed", "primary",
              "main", "up-a", 10, false, CLOCK.millis(), null);
          futures.add(store.write(accountant.reserve(new Attempt("hold_" + req, req, account, Bucket.RMB, 1_000_000, List.of(),
              CLOCK.millis() + 600_000), ctx)).thenAccept(r -> {
                if (r instanceof Hold h) {
                  synchronized (mine) {
                    mine.add(h);
                  }
                }
              }));
        }
        List<Hold> toPost;
        synchronized (mine) {
          toPost = new ArrayList<>(mine.subList(0, Math.min(2, mine.size())));
          mine.removeAll(toPost);
        }
        for (Hold h : toPost) {
          futures.add(store.write(accountant.post(h.id(), List.of(), 400_000, 10,
              p -> ReceiptProjectionReviewTest.receipt(account, h.requestId(), p), (c, p) -> { })));
          synchronized (charged) {
            charged.add(h.requestId());
          }
        }
        if (round % 2 == 0) {
          // a task that decides (a hold) and then fails: the batch rolls back and is re-run task by task
          n++;
          String req = "req_fail_" + n;
          HoldContext ctx = new HoldContext(req, account, "proj", "key", "chat.completions", "chat-a", "routed", "primary",
              "main", "up-a", 10, false, CLOCK.millis(), null);
          io.tollgate.store.SqlWork<io.tollgate.ledger.core.Reserved> reserve = accountant.reserve(new Attempt("hold_" + req,
              req, account, Bucket.RMB, 1_000_000, List.of(), CLOCK.millis() + 600_000), ctx);
          store.write(c -> {
            reserve.run(c);
            throw new java.sql.SQLException("fails after deciding");
          });
        }
        if (round % 5 == 0) {
          futures.add(store.write(accountant.projection()));
        }
        // on a shared store the gate holds the journal's lock: the next node's batch waits for it
        gate.countDown();
      }
      for (CompletableFuture<?> f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
    }
    for (int i = 0; i < stores.size(); i++) {
      for (Hold h : open.get(i)) {
        stores.get(i).writeNow(accountants.get(i).voidHold(h.id(), "test_end"));
      }
    }
    for (int i = 0; i < stores.size(); i++) {
      stores.get(i).writeNow(accountants.get(i).projection());
    }
    Store s0 = stores.get(0);
    s0.writeNow(accountants.get(0).projection());
    long balance = s0.read(c -> io.tollgate.ledger.LedgerSql.wallet(c, io.tollgate.ledger.LedgerIds.wallet(account, Bucket.RMB)).balance());
    assertThat(balance).as("every charge once, at " + where).isEqualTo(1_000_000_000L - 400_000L * charged.size());
    int receipts = s0.read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM receipts WHERE charged = 1");
          ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    });
    assertThat(receipts).isEqualTo(charged.size());
    s0.writeNow(c -> null);
    long journal = s0.read(JournalSql::lastSeq);
    assertThat(journal).isEqualTo(accountants.get(0).view().lastSeq());
  }
}
