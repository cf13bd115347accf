package io.tollgate.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Channel;
import io.tollgate.config.LoggingConfig;
import io.tollgate.config.ProviderKind;
import io.tollgate.config.Timeouts;
import io.tollgate.testing.LogCapture;
import io.tollgate.testing.MutableClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Operators read a channel's breaker transitions and its upstream failures, a noisy channel without a flood. */
class HealthLogTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-09-01T00:00:00Z"));
  private final HealthRegistry health = new HealthRegistry(clock);
  private final Channel channel = new Channel("relay", "relay", ProviderKind.OPENAI, URI.create("http://127.0.0.1:9/v1"),
      "secret-credential", Timeouts.DEFAULTS, Map.of(), List.of(), 3, 30_000, "max_tokens");

  @Test
  void logsOpenHalfOpenAndClosedPerChannel() throws Exception {
    try (LogCapture logs = LogCapture.start(new LoggingConfig(LoggingConfig.Format.TEXT, "info", true))) {
      for (int i = 0; i < 3; i++) {
        assertThat(health.tryAcquire(channel)).isTrue();
        health.failure(channel, 10, "http_5xx", "upstream said 503");
      }
      assertThat(health.tryAcquire(channel)).isFalse();
      clock.advance(Duration.ofSeconds(31));
      assertThat(health.tryAcquire(channel)).isTrue();
      health.failure(channel, 10, "timeout_first_byte", "no first byte");
      clock.advance(Duration.ofSeconds(31));
      assertThat(health.tryAcquire(channel)).isTrue();
      health.success(channel, 5);

      List<String> lines = logs.text(ChannelHealth.class.getName());
      assertThat(lines).filteredOn(l -> l.contains("circuit")).satisfiesExactly(
          l -> assertThat(l).contains("WARN").contains("channel relay: circuit open after 3 consecutive failures (last: http_5xx)"),
          l -> assertThat(l).contains("INFO").contains("channel relay: circuit half-open"),
          l -> assertThat(l).contains("WARN").contains("channel relay: circuit open again: the probe failed (timeout_first_byte)"),
          l -> assertThat(l).contains("INFO").contains("channel relay: circuit half-open"),
          l -> assertThat(l).contains("INFO").contains("channel relay: circuit closed: the probe succeeded"));
    }
  }

  @Test
  void logsUpstreamFailuresAtMostOncePerIntervalPerChannelAndCountsTheRest() throws Exception {
    Channel other = new Channel("other", "other", ProviderKind.OPENAI, URI.create("http://127.0.0.1:9/v1"), null,
        Timeouts.DEFAULTS, Map.of(), List.of(), 1000, 30_000, "max_tokens");
    try (LogCapture logs = LogCapture.start(new LoggingConfig(LoggingConfig.Format.TEXT, "info", true))) {
      for (int i = 0; i < 50; i++) {
        health.failure(other, 7, "http_5xx", "boom " + i);
      }
      health.failure(channel, 7, "connect_error", "refused");
      clock.advance(Duration.ofSeconds(11));
      health.failure(other, 7, "http_429", "slow down");

      List<String> failures = logs.text(ChannelHealth.class.getName()).stream().filter(l -> l.contains(": upstream ")).toList();
      assertThat(failures).satisfiesExactly(
          l -> assertThat(l).contains("WARN").contains("channel other: upstream http_5xx after 7 ms: boom 0"),
          l -> assertThat(l).contains("channel relay: upstream connect_error after 7 ms: refused"),
          l -> assertThat(l).contains("channel other: upstream http_429 after 7 ms: slow down (49 more failures on this channel"));
    }
  }
}
