package io.tollgate.scale;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.HoldContext;
import io.tollgate.ledger.Ledger;
import io.tollgate.ledger.LedgerIds;
import io.tollgate.ledger.LedgerSql;
import io.tollgate.ledger.LedgerVerifier;
import io.tollgate.ledger.core.Attempt;
import io.tollgate.ledger.journal.JournalSql;
import io.tollgate.store.Store;
import io.tollgate.tenants.Tenants;
import io.tollgate.testing.Postgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * On a shared store the projections run beside the writer, in transactions of their own under the projection lock,
 * never in the write transactions that hold the journal's lock: holds and postings commit while a projection holds
 * up (here: another connection holding the projection lock), and the projections catch up once it ends, each event
 * once whichever process projects it.
 */
class SharedProjectorTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T12:00:00Z"), ZoneOffset.UTC);
  /** More than Journal.PROJECT_EVERY events: the writer would have projected them itself before. */
  private static final int REQUESTS = 400;

  @Test
  void writesCommitWhileAProjectionHoldsTheProjectionLockAndTheProjectionsCatchUpAfter() throws Exception {
    String url = Postgres.freshSchema("shared_projector");
    try (Store a = Postgres.open(url, "gw-a"); Store b = Postgres.open(url, "gw-b")) {
      String account = new Tenants(a, CLOCK).createAccount("proj").id();
      Accountant onA = Accountant.of(a, CLOCK);
      Accountant onB = Accountant.of(b, CLOCK);
      new Ledger(onA).topUp(account, Bucket.RMB, 1_000_000_000, "start", null);
      a.read(c -> null); // the top-up projected: the projections stand at the journal's end
      long projectedBefore = a.read(JournalSql::projectedSeq);

      try (Connection blocker = Postgres.connect(url)) {
        blocker.setAutoCommit(false);
        try (PreparedStatement lock = blocker.prepareStatement("SELECT pg_advisory_xact_lock("
            + Store.PROJECTION_LOCK + ")")) {
          lock.execute();
        }
        // REQUESTS holds and postings, half through each process: none waits for the projection lock
        CompletableFuture<Void> writes = CompletableFuture.runAsync(() -> {
          for (int i = 0; i < REQUESTS; i++) {
            Store store = i % 2 == 0 ? a : b;
            Accountant accountant = i % 2 == 0 ? onA : onB;
            String hold = "hold_" + i;
            store.writeNow(accountant.reserve(new Attempt(hold, "req_" + i, account, Bucket.RMB, 2_000, List.of(),
                    CLOCK.millis() + 60_000),
                new HoldContext("req_" + i, account, "proj", "key", "chat.completions", "m", "routed", "primary", "main",
                    "up", 10, false, CLOCK.millis())));
            store.writeNow(accountant.post(hold, List.of(), 1_000, 10, Accountant.AlsoWrite.NOTHING));
          }
        });
        writes.get(60, TimeUnit.SECONDS);
        // let the periodic work of both processes run a few times meanwhile
        a.writeNow(onA.following());
        b.writeNow(onB.following());
        Thread.sleep(300);

        long journalEnd = readAsIs(a, JournalSql::lastSeq);
        assertThat(journalEnd).isGreaterThanOrEqualTo(projectedBefore + 2L * REQUESTS);
        assertThat(readAsIs(a, JournalSql::projectedSeq)).as("nothing projected while the projection lock is held")
            .isEqualTo(projectedBefore);
        blocker.rollback();
      }

      // a read waits for the projections, which the projector now brings to the journal's end
      LedgerSql.WalletRow wallet = b.read(c -> LedgerSql.wallet(c, LedgerIds.wallet(account, Bucket.RMB)));
      assertThat(wallet.balance()).isEqualTo(1_000_000_000L - REQUESTS * 1_000L);
      assertThat(wallet.held()).isZero();
      assertThat(readAsIs(a, JournalSql::projectedSeq)).isEqualTo(readAsIs(a, JournalSql::lastSeq));
      // every check but the receipts' (this test posts without receipts, which the request path always writes)
      LedgerVerifier.Report report = LedgerVerifier.verify(a, CLOCK.millis());
      assertThat(report.checks()).filteredOn(check -> !check.name().contains("receipt"))
          .allSatisfy(check -> assertThat(check.ok()).as(check.toString()).isTrue());
    } finally {
      Postgres.drop(url);
    }
  }

  private static long readAsIs(Store store, io.tollgate.store.SqlWork<Long> work) {
    return store.readAsIs(work);
  }
}
