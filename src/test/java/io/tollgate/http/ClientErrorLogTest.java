package io.tollgate.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Client errors are reported at most once a minute, each report carrying the counts since the last one. */
class ClientErrorLogTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
  private final List<String> lines = new ArrayList<>();
  private final ClientErrorLog log = new ClientErrorLog(clock, lines::add);

  @Test
  void reportsTheFirstFailureAtOnceAndTheRestAMinuteLaterWithTheirCounts() {
    log.record("invalid_chunked_body");
    for (int i = 0; i < 500; i++) {
      log.record(i % 2 == 0 ? "invalid_http_request" : "header_timeout");
      clock.advance(Duration.ofMillis(100));
    }

    assertThat(lines).hasSize(1);
    assertThat(lines.get(0)).contains("invalid_chunked_body=1");

    clock.advance(Duration.ofSeconds(10));
    log.record("invalid_chunked_body");

    assertThat(lines).hasSize(2);
    assertThat(lines.get(1)).contains("invalid_http_request=250", "header_timeout=250", "invalid_chunked_body=1");
  }

  @Test
  void staysQuietWithoutFailures() {
    clock.advance(Duration.ofHours(1));

    assertThat(lines).isEmpty();
  }
}
