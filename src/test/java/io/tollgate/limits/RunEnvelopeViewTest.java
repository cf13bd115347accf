package io.tollgate.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.auth.ApiKey;
import io.tollgate.auth.KeyScope;
import io.tollgate.config.Bucket;
import io.tollgate.config.ConfigLoader;
import io.tollgate.config.GatewayConfig;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A research run's envelope is a limit like the others while the run is under way: its owner sees it with the rest. */
class RunEnvelopeViewTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T10:00:00Z"), ZoneOffset.UTC);
  private static final String YAML = io.tollgate.testing.TestConfigs.MINIMAL;

  @Test
  void theEnvelopeOfARunUnderWayIsListedWithItsRunAndGoesWithIt() {
    GatewayConfig config = new ConfigLoader(Map.<String, String>of()::get).parse(YAML, "t.yaml", null);
    Map<String, long[]> counters = Map.of("run_rmb|run_1|run", new long[] {1_200, 300});
    Limits limits = new Limits(null, CLOCK, key -> counters.getOrDefault(key, new long[2]));
    ApiKey key = new ApiKey("key_1", "proj_1", "acct_1", "k", "tg-x", new byte[0], KeyScope.DEFAULT, 0, null, null);
    Limit envelope = new Limit("run_rmb", Scope.RUN, "run_1", null, null, null, Metric.SPEND, Bucket.RMB, Window.RUN, 5_000,
        false, "research");
    limits.startRun("run_1", new Limits.RunEnvelope("acct_1", List.of(envelope)));
    limits.startRun("run_2", new Limits.RunEnvelope("acct_other", List.of(envelope)));

    List<Map<String, Object>> views = LimitViews.forKey(limits, List.of(), config, key, CLOCK);

    assertThat(views).hasSize(1);
    Map<String, Object> view = views.get(0);
    assertThat(view).containsEntry("run", "run_1").containsEntry("scope", "run").containsEntry("cap", 5_000L)
        .containsEntry("spent", 1_200L).containsEntry("held", 300L).containsEntry("remaining", 3_500L);
    limits.endRun("run_1");
    assertThat(LimitViews.forKey(limits, List.of(), config, key, CLOCK)).isEmpty();
  }
}
