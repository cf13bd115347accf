package io.tollgate.ledger.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.Ledger;
import io.tollgate.ledger.LedgerVerifier;
import io.tollgate.ledger.core.Attempt;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Review of de2e4c4. Probe (passes): snapshots are now saved by aside passes (no journal lock, a core tailed before
 * the lock only). Past 10,000 events the passes of two processes save snapshots; a third process opened afterwards
 * restores the latest one and the journal after it, and its core is the others' core; verify holds.
 */
class AsideSnapshotReview10Test {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T12:00:00Z"), ZoneOffset.UTC);

  @Test
  void snapshotsSavedByAsidePassesRestoreTheSameCore() throws Exception {
    String url = Postgres.freshSchema("review10_snap");
    try (Store a = Postgres.open(url, "gw-a"); Store b = Postgres.open(url, "gw-b")) {
      String account = new Tenants(a, CLOCK).createAccount("snap").id();
      Accountant onA = Accountant.of(a, CLOCK);
      Accountant onB = Accountant.of(b, CLOCK);
      new Ledger(onA).topUp(account, Bucket.RMB, 1_000_000_000L, "t0", null);
      int n = 0;
      for (int round = 0; round < 11; round++) {
        List<CompletableFuture<Reserved>> holds = new ArrayList<>();
        Store s = round % 2 == 0 ? b : a;
        Accountant acc = round % 2 == 0 ? onB : onA;
        for (int i = 0; i < 1_000; i++) {
          String req = "r" + n++;
          holds.add(s.write(acc.reserve(new Attempt("hold_" + req, req, account, Bucket.RMB, 1_000, List.of(),
              CLOCK.millis() + 600_000), AsideProjectionReview10Test.context(account, req))));
        }
        for (CompletableFuture<Reserved> h : holds) {
          h.get(60, TimeUnit.SECONDS);
        }
        (round % 2 == 0 ? onA : onB).follow().get(60, TimeUnit.SECONDS);
      }
      onA.follow().get(60, TimeUnit.SECONDS);
      onB.follow().get(60, TimeUnit.SECONDS);
      long latest = a.readAsIs(c -> latestSnapshot(c));
      System.out.println("review10 snapshot: latest snapshot at " + latest + " of " + a.readAsIs(JournalSql::lastSeq));
      assertThat(latest).as("a snapshot past 10,000 events").isGreaterThanOrEqualTo(10_000);
      a.writeNow(c -> null);
      b.writeNow(c -> null);
      try (Store c3 = Postgres.open(url, "gw-c")) {
        Accountant onC = Accountant.of(c3, CLOCK);
        c3.writeNow(c -> null);
        assertThat(onC.view().snapshot()).isEqualTo(onA.view().snapshot());
        assertThat(onB.view().snapshot()).isEqualTo(onA.view().snapshot());
      }
      LedgerVerifier.Report report = LedgerVerifier.verify(a, CLOCK.millis());
      assertThat(report.ok()).as(report.text()).isTrue();
    } finally {
      Postgres.drop(url);
    }
  }

  private static long latestSnapshot(Connection c) throws java.sql.SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT COALESCE(MAX(seq), 0) FROM journal_snapshots");
        ResultSet rs = s.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
