package io.tollgate.ledger.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.HoldContext;
import io.tollgate.ledger.HoldRecovery;
import io.tollgate.ledger.Ledger;
import io.tollgate.ledger.LedgerException;
import io.tollgate.ledger.LedgerIds;
import io.tollgate.ledger.LedgerSql;
import io.tollgate.ledger.LedgerVerifier;
import io.tollgate.ledger.core.Attempt;
import io.tollgate.ledger.core.Hold;
import io.tollgate.ledger.core.PlannedLimit;
import io.tollgate.ledger.core.Snapshot;
import io.tollgate.limits.Limit;
import io.tollgate.limits.Metric;
import io.tollgate.limits.Scope;
import io.tollgate.limits.Window;
import io.tollgate.receipts.ReceiptListener;
import io.tollgate.store.Store;
import io.tollgate.tenants.Tenants;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The journal against a real SQLite file, over random sequences of steps: holds, postings (below, at and above the
 * hold), voids, top-ups, refused movements, writer transactions that fail after deciding, projections, and restarts
 * of the store between any two steps. After every step the core's state survives a restart unchanged, and once the
 * projections catch up, every ledger invariant holds and the journal replays to them.
 */
class JournalPropertyTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T10:00:00Z"), ZoneOffset.UTC);
  private static final Limit LIMIT = new Limit("lim_p", Scope.ACCOUNT, "acct", null, null, null, Metric.SPEND, Bucket.RMB,
      Window.DAY, 50_000_000, false, "admin");

  enum Step { HOLD, POST_BELOW, POST_ABOVE, VOID, TOP_UP, REFUSED_ADJUSTMENT, FAILED_POSTING, PROJECT, RESTART }

  @Property(tries = 25, seed = "20261203")
  void theCoreSurvivesEveryRestartAndTheProjectionsFollowTheJournal(@ForAll("steps") List<Step> steps) throws IOException {
    Path dir = Files.createTempDirectory("journal-property");
    try {
      run(steps, () -> Store.open(dir.resolve("p.db")));
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** The same steps on a PostgreSQL journal (a schema of its own per try); restarts reopen it as the same node. */
  @Property(tries = 10, seed = "20261203")
  void theSameHoldsOnPostgres(@ForAll("steps") List<Step> steps) {
    String url = io.tollgate.testing.Postgres.freshSchema("journal_property");
    try {
      run(steps, () -> io.tollgate.testing.Postgres.open(url, "node-a"));
    } finally {
      io.tollgate.testing.Postgres.drop(url);
    }
  }

  private void run(List<Step> steps, java.util.function.Supplier<Store> opener) {
    Store store = opener.get();
    try {
      String account = new Tenants(store, CLOCK).createAccount("p").id();
      Accountant accountant = Accountant.of(store, CLOCK);
      new Ledger(accountant).topUp(account, Bucket.RMB, 20_000_000, "start", null);
      List<String> open = new ArrayList<>();
      int n = 0;
      for (Step step : steps) {
        n++;
        switch (step) {
          case HOLD -> {
            Object taken = store.writeNow(accountant.reserve(new Attempt("hold_" + n, "req_" + n, account, Bucket.RMB, 1_500_000,
                List.of(new PlannedLimit(LIMIT, "lim_p|" + account + "|2026-12-03", 1_500_000, null)), CLOCK.millis() + 60_000),
                new HoldContext("req_" + n, account, "proj", "key", "chat.completions", "m", "routed", "primary", "main", "up",
                    10, false, CLOCK.millis())));
            if (taken instanceof Hold h) {
              open.add(h.id());
            }
          }
          case POST_BELOW, POST_ABOVE -> {
            if (!open.isEmpty()) {
              String id = open.remove(0);
              store.writeNow(accountant.post(id, List.of(), step == Step.POST_BELOW ? 400_000 : 2_600_000, 50,
                  Accountant.AlsoWrite.NOTHING));
            }
          }
          case VOID -> {
            if (!open.isEmpty()) {
              store.writeNow(accountant.voidHold(open.remove(0), "failed_attempt"));
            }
          }
          case TOP_UP -> new Ledger(accountant).topUp(account, Bucket.RMB, 1_000_000, "t" + n, null);
          case REFUSED_ADJUSTMENT -> {
            try {
              new Ledger(accountant).adjust(account, Bucket.RMB, -1_000_000_000_000L, "a" + n, null);
            } catch (LedgerException expected) {
              // more than the wallet holds: refused, nothing decided
            }
          }
          case FAILED_POSTING -> {
            if (!open.isEmpty()) {
              String id = open.get(0);
              try {
                store.writeNow(accountant.post(id, List.of(), 100, 1, (c, posting) -> {
                  throw new java.sql.SQLException("the receipt could not be written");
                }));
              } catch (RuntimeException expected) {
                // rolled back: the hold is still pending
              }
            }
          }
          case PROJECT -> store.writeNow(accountant.projection());
          case RESTART -> {
            Snapshot before = accountant.view().snapshot();
            store.close();
            store = opener.get();
            accountant = Accountant.of(store, CLOCK);
            assertThat(accountant.view().snapshot()).as("after step %d (%s)", n, step).isEqualTo(before);
          }
        }
        Snapshot.WalletState wallet = accountant.wallet(account, Bucket.RMB);
        assertThat(wallet.heldMicros()).as("held after step %d", n).isEqualTo(1_500_000L * open.size());
        assertThat(accountant.view().pending()).extracting(Hold::id).containsExactlyElementsOf(open);
        LedgerSql.WalletRow row = store.read(c -> LedgerSql.wallet(c, LedgerIds.wallet(account, Bucket.RMB)));
        assertThat(new long[] {row.balance(), row.held(), row.overdraft()}).as("projected after step %d", n)
            .containsExactly(wallet.balanceMicros(), wallet.heldMicros(), wallet.overdraftMicros());
      }
      HoldRecovery.recoverAll(store, accountant, CLOCK.millis(), ReceiptListener.NONE);
      Store finalStore = store;
      LedgerVerifier.Report report = LedgerVerifier.verify(finalStore, CLOCK.millis());
      // these steps post without the request path's receipts: every other invariant holds
      assertThat(report.checks()).filteredOn(check -> !check.name().contains("receipt"))
          .allSatisfy(check -> assertThat(check.ok()).as(report.text()).isTrue());
    } finally {
      store.close();
    }
  }

  @Provide
  Arbitrary<List<Step>> steps() {
    return Arbitraries.of(Step.class).list().ofMinSize(5).ofMaxSize(40);
  }
}
