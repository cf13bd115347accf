package io.tollgate.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Counters of windows long past are forgotten, unless something still holds on them. */
class CountersPruneTest {
  private static final Instant NOW = Instant.parse("2026-12-02T12:00:30Z");
  private static final long MINUTE = NOW.getEpochSecond() / 60;

  @Test
  void endedWindowsAreForgottenAndCurrentHeldAndLifetimeOnesKept() {
    Counters counters = new Counters();
    counters.get("lim_a|acct_1|m" + (MINUTE - 5)).spent = 3;   // minutes ago: forgotten
    counters.get("lim_a|acct_1|m" + (MINUTE - 1)).spent = 3;   // the minute before: kept
    counters.get("lim_a|acct_1|m" + MINUTE).spent = 3;         // current
    counters.get("lim_b|acct_1|2026-11-20").spent = 9;         // days ago: forgotten
    counters.get("lim_b|acct_1|2026-12-01").spent = 9;         // yesterday (another zone's today): kept
    counters.get("lim_c|acct_1|2026-09").spent = 7;            // months ago: forgotten
    counters.get("lim_c|acct_1|2026-11").spent = 7;            // last month: kept
    counters.get("lim_d|acct_1|all").spent = 1;                // lifetime: kept
    counters.get("lim_e|acct_1|m" + (MINUTE - 60)).held = 4;   // ended, but a hold still counts on it: kept

    assertThat(counters.prune(NOW)).isEqualTo(3);

    assertThat(counters.size()).isEqualTo(6);
    assertThat(counters.peek("lim_a|acct_1|m" + MINUTE)).containsExactly(3, 0);
    assertThat(counters.peek("lim_e|acct_1|m" + (MINUTE - 60))).containsExactly(0, 4);
    assertThat(counters.peek("lim_a|acct_1|m" + (MINUTE - 5))).containsExactly(0, 0);
  }

  @Test
  void keysThatAreNotWindowsNeverEnd() {
    assertThat(Window.endedLongBefore("all", NOW)).isFalse();
    assertThat(Window.endedLongBefore("mxyz", NOW)).isFalse();
    assertThat(Window.endedLongBefore("2026-13-99", NOW)).isFalse();
    assertThat(Window.endedLongBefore("", NOW)).isFalse();
  }
}
