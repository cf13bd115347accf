package io.tollgate.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** When a refusal tells OpenAI's SDKs not to retry ({@code x-should-retry: false}): only when a quick retry cannot pass. */
class LimitRefusalRetryTest {
  private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
  private static final Limit DAILY = new Limit("lim", Scope.ACCOUNT, "acct_1", null, null, null, Metric.REQUESTS, null,
      Window.DAY, 10, false, "admin");
  private static final Limit MINUTE = new Limit("lim_m", Scope.ACCOUNT, "acct_1", null, null, null, Metric.REQUESTS, null,
      Window.MINUTE, 10, false, "admin");

  private static String shouldRetry(Limit limit, long spent, long held, long requested, Instant resetsAt) {
    return new LimitRefusal(limit, "c", spent, held, requested, resetsAt, NOW).toApi("req_1").headers().get("x-should-retry");
  }

  @Test
  void spentToTheCapForHoursIsNotWorthRetrying() {
    assertThat(shouldRetry(DAILY, 10, 0, 1, NOW.plusSeconds(4 * 3600))).isEqualTo("false");
  }

  @Test
  void aCapFullOnlyOfRequestsInFlightMayClearInSeconds() {
    assertThat(shouldRetry(DAILY, 5, 5, 1, NOW.plusSeconds(4 * 3600))).as("5 spent + 1 fits once the holds settle").isNull();
  }

  @Test
  void aWindowEndingWithinAMinuteIsLeftToRetryAfter() {
    assertThat(shouldRetry(MINUTE, 10, 0, 1, NOW.plusSeconds(30))).isNull();
  }

  @Test
  void aRequestLargerThanTheCapNeverPassesWhateverTheWindow() {
    assertThat(shouldRetry(MINUTE, 0, 0, 11, NOW.plusSeconds(30))).isEqualTo("false");
  }
}
