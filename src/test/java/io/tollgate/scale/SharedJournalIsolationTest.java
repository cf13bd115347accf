package io.tollgate.scale;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.Ledger;
import io.tollgate.ledger.LedgerIds;
import io.tollgate.ledger.LedgerSql;
import io.tollgate.ledger.LedgerVerifier;
import io.tollgate.store.Store;
import io.tollgate.tenants.Tenants;
import io.tollgate.testing.Postgres;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two processes' writers on one journal, on a server whose default isolation takes one snapshot per transaction
 * (serializable). A write transaction reads the journal's tail before and again after it takes the journal's lock;
 * the second read must see what the other process committed while this one waited, or the process would append at
 * a seq already taken. The writer's connections are read-committed whatever the server's default.
 */
class SharedJournalIsolationTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T12:00:00Z"), ZoneOffset.UTC);
  private static final int TOP_UPS_EACH = 60;

  @Test
  void concurrentWritesOfTwoProcessesAllCommitWhateverTheServersDefaultIsolation() throws Exception {
    String base = Postgres.freshSchema("journal_isolation");
    String url = base + "&options=-c%20default_transaction_isolation%3Dserializable";
    try (Store a = Postgres.open(url, "gw-a"); Store b = Postgres.open(url, "gw-b")) {
      String account = new Tenants(a, CLOCK).createAccount("iso").id();
      Ledger onA = new Ledger(Accountant.of(a, CLOCK));
      Ledger onB = new Ledger(Accountant.of(b, CLOCK));
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        List<Future<?>> runs = new ArrayList<>();
        for (Ledger ledger : List.of(onA, onB)) {
          String side = ledger == onA ? "a" : "b";
          runs.add(pool.submit(() -> {
            for (int i = 0; i < TOP_UPS_EACH; i++) {
              ledger.topUp(account, Bucket.RMB, 1_000_000, side + i, null);
            }
            return null;
          }));
        }
        for (Future<?> run : runs) {
          run.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }

      long expected = 2L * TOP_UPS_EACH * 1_000_000;
      for (Store store : List.of(a, b)) {
        store.writeNow(c -> null); // a write transaction reads the journal's tail: the core then has the other's events
        assertThat(Accountant.of(store, CLOCK).view().walletState(account, Bucket.RMB).balanceMicros()).isEqualTo(expected);
        assertThat(store.read(c -> LedgerSql.wallet(c, LedgerIds.wallet(account, Bucket.RMB))).balance()).isEqualTo(expected);
      }
      LedgerVerifier.Report report = LedgerVerifier.verify(a, CLOCK.millis());
      assertThat(report.ok()).as(report.toString()).isTrue();
    } finally {
      Postgres.drop(base);
    }
  }
}
