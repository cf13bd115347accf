package io.tollgate.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.core.AccountingCore;
import io.tollgate.ledger.core.Attempt;
import io.tollgate.ledger.core.PlannedLimit;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Counters of windows long past are forgotten by the core, unless something still holds on them. */
class CountersPruneTest {
  private static final Instant NOW = Instant.parse("2026-12-02T12:00:30Z");
  private static final long MINUTE = NOW.getEpochSecond() / 60;
  private static final Limit LIMIT = new Limit("lim", Scope.ACCOUNT, "acct_1", null, null, null, Metric.REQUESTS, null,
      Window.DAY, 1_000, false, "admin");

  private final AccountingCore core = new AccountingCore();
  private int holds;

  @Test
  void endedWindowsAreForgottenAndCurrentHeldAndLifetimeOnesKept() {
    core.topUp("t", "acct_1", Bucket.RMB, 1_000);
    used("lim_a|acct_1|m" + (MINUTE - 5));   // minutes ago: forgotten
    used("lim_a|acct_1|m" + (MINUTE - 1));   // the minute before: kept
    used("lim_a|acct_1|m" + MINUTE);         // current
    used("lim_b|acct_1|2026-11-20");         // days ago: forgotten
    used("lim_b|acct_1|2026-12-01");         // yesterday (another zone's today): kept
    used("lim_c|acct_1|2026-09");            // months ago: forgotten
    used("lim_c|acct_1|2026-11");            // last month: kept
    used("lim_d|acct_1|all");                // lifetime: kept
    hold("lim_e|acct_1|m" + (MINUTE - 60));  // ended, but a hold still counts on it: kept

    assertThat(core.forgetCounters(key -> Window.endedLongBefore(Reservation.windowKeyOf(key), NOW))).isEqualTo(3);

    assertThat(core.snapshot().counters()).hasSize(6);
    assertThat(core.counterState("lim_a|acct_1|m" + MINUTE).spent()).isEqualTo(1);
    assertThat(core.counterState("lim_e|acct_1|m" + (MINUTE - 60)).held()).isEqualTo(1);
    assertThat(core.snapshot().counters()).noneMatch(c -> c.counter().equals("lim_a|acct_1|m" + (MINUTE - 5)));
  }

  @Test
  void keysThatAreNotWindowsNeverEnd() {
    assertThat(Window.endedLongBefore("all", NOW)).isFalse();
    assertThat(Window.endedLongBefore("mxyz", NOW)).isFalse();
    assertThat(Window.endedLongBefore("2026-13-99", NOW)).isFalse();
    assertThat(Window.endedLongBefore("", NOW)).isFalse();
  }

  private String hold(String counter) {
    String id = "hold-" + (++holds);
    core.reserve(new Attempt(id, "req-" + holds, "acct_1", Bucket.RMB, 1, List.of(new PlannedLimit(LIMIT, counter, 1, null)), 0));
    return id;
  }

  private void used(String counter) {
    core.post(hold(counter), 1, 1);
  }
}
