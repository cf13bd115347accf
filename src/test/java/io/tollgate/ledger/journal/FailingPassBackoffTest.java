package io.tollgate.ledger.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.Ledger;
import io.tollgate.ledger.core.Reserved;
import io.tollgate.store.Store;
import io.tollgate.tenants.Tenants;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A projection pass that keeps failing (here a trigger refuses every receipt row) is asked for again after another
 * {@link Journal#PROJECT_EVERY} events, not at every commit: on a file the pass shares the writer's batch, so each
 * failure rolls the batch back and runs its work again alone. The failures are counted for the metric.
 */
class FailingPassBackoffTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-04T02:00:00Z"), ZoneOffset.UTC);

  @TempDir
  Path dir;

  @Test
  void aFailingPassIsTriedAgainEvery256EventsAndCounted() throws Exception {
    try (Store store = Store.open(dir.resolve("f.db"))) {
      Accountant accountant = Accountant.of(store, CLOCK);
      String account = failingProjections(store, accountant);

      // one hold per commit: 600 commits, the last 344 of them with 256 or more events waiting
      for (int i = 0; i < 600; i++) {
        String req = "r" + i;
        Reserved held = store.write(accountant.reserve(AsideProjectionReview10Test.attempt(account, req),
            AsideProjectionReview10Test.context(account, req))).get(10, TimeUnit.SECONDS);
        assertThat(held).isNotNull();
      }
      store.writeNow(c -> null);

      long failed = accountant.projectionPasses()[2];
      assertThat(failed).as("passes the writer asked for by itself, all failing: at 256 and 512 events waiting")
          .isBetween(1L, 3L);
      assertThat(accountant.behind()).as("nothing was projected").isEqualTo(600);
    }
  }

  @Test
  void aReadBehindAFailingPassFailsAtOnceWithItsCauseAndReadsAgainOnceTheCauseIsGone() throws Exception {
    try (Store store = Store.open(dir.resolve("r.db"))) {
      Accountant accountant = Accountant.of(store, CLOCK);
      String account = failingProjections(store, accountant);
      store.write(accountant.reserve(AsideProjectionReview10Test.attempt(account, "r1"),
          AsideProjectionReview10Test.context(account, "r1"))).get(10, TimeUnit.SECONDS);

      long started = System.nanoTime();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.read(c -> 1))
          .isInstanceOf(io.tollgate.store.StoreException.class)
          .hasMessageContaining("could not catch up").hasMessageContaining("the disk is full");
      assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started))
          .as("a failed pass is not waited on like a busy one (30 s)").isLessThan(20);
      assertThat(accountant.projectionPasses()[2]).isPositive();

      store.writeNow(c -> {
        try (PreparedStatement s = c.prepareStatement("DROP TRIGGER refuse_holds")) {
          s.execute();
        }
        return null;
      });
      int answered = store.read(c -> 1);
      assertThat(answered).isEqualTo(1);
      assertThat(accountant.behind()).isZero();
    }
  }

  /**
   * A funded account with its projections current, then a trigger that refuses every hold row: from now on every
   * projection pass with a hold in it fails ("the disk is full"). Returns the account.
   */
  static String failingProjections(Store store, Accountant accountant) {
    String account = new Tenants(store, CLOCK).createAccount("failing").id();
    new Ledger(accountant).topUp(account, Bucket.RMB, 1_000_000_000L, "t0", null);
    store.writeNow(accountant.projection());
    store.writeNow(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "CREATE TRIGGER refuse_holds BEFORE INSERT ON holds BEGIN SELECT RAISE(ABORT, 'the disk is full'); END")) {
        s.execute();
      }
      return null;
    });
    return account;
  }
}
