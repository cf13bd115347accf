package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A counter's key in Redis outlives its window by the margins the core forgets counters by, and no more. */
class CounterExpiryTest {
  private static final Instant NOON = Instant.parse("2026-12-03T12:00:00Z");
  private static final long MINUTE = 60_000;
  private static final long DAY = 86_400_000;

  @Test
  void aDayCounterLivesUntilTwoDaysAfterItsDayEnds() {
    assertThat(CounterExpiry.ttlMs("lim|key_1|2026-12-03", NOON)).isEqualTo(12 * 60 * MINUTE + 2 * DAY);
  }

  @Test
  void aMonthCounterLivesUntilTwoDaysAfterItsMonthEnds() {
    assertThat(CounterExpiry.ttlMs("lim|acct|2026-12", NOON)).isEqualTo(28 * DAY + 12 * 60 * MINUTE + 2 * DAY);
  }

  @Test
  void aMinuteCounterLivesAMinuteAfterItsMinute() {
    long minute = NOON.getEpochSecond() / 60;
    assertThat(CounterExpiry.ttlMs("lim|key_1|m" + minute, NOON)).isEqualTo(2 * MINUTE);
  }

  @Test
  void aRunCounterLivesTwoDaysPastItsLastUseAndALifetimeOneForever() {
    assertThat(CounterExpiry.ttlMs("lim|run_1|run", NOON)).isEqualTo(2 * DAY);
    assertThat(CounterExpiry.ttlMs("lim|key_1|all", NOON)).isEqualTo(CounterExpiry.NEVER);
  }

  @Test
  void aWindowLongEndedStillGetsAMomentForALateSettle() {
    assertThat(CounterExpiry.ttlMs("lim|key_1|2026-01-01", NOON)).isEqualTo(MINUTE);
  }
}
