package io.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.io.InputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code redis:} is validated once, with the line to fix; absent, the process keeps its counters alone. */
class RedisConfigTest {
  private final ConfigLoader loader = new ConfigLoader(Map.of("REDIS_URL", "redis://10.0.0.7:6380/2",
      "UPSTREAM", "http://127.0.0.1:1/v1", "UPSTREAM_KEY", "k", "DEAD_UPSTREAM", "http://127.0.0.1:2/v1")::get);

  @Test
  void absentMeansNoSharedCounters() throws Exception {
    assertThat(loader.parse(base(), "t.yaml", null).redis()).isNull();
  }

  @Test
  void readsEveryKeyWithDefaultsForTheRest() throws Exception {
    RedisConfig redis = loader.parse(base() + "redis:\n  url: ${REDIS_URL}\n  command_timeout_ms: 250\n", "t.yaml", null)
        .redis();

    assertThat(redis.url().toString()).isEqualTo("redis://10.0.0.7:6380/2");
    assertThat(redis.keyPrefix()).isEqualTo("tollgate:");
    assertThat(redis.commandTimeoutMs()).isEqualTo(250);
    assertThat(redis.connectTimeoutMs()).isEqualTo(1_000);
    assertThat(redis.holdGraceMs()).isEqualTo(60_000);
    assertThat(redis.retryAfterSeconds()).isEqualTo(1);
  }

  @Test
  void refusesWhatCannotBeRedisWithTheLineToFix() throws Exception {
    assertThatThrownBy(() -> loader.parse(base() + "redis:\n  url: http://localhost:6379\n", "t.yaml", null))
        .hasMessageContaining("redis.url").hasMessageContaining("is not a redis:// URL");
    assertThatThrownBy(() -> loader.parse(base() + "redis:\n  key_prefix: x\n", "t.yaml", null))
        .hasMessageContaining("url is missing");
    assertThatThrownBy(() -> loader.parse(base() + "redis:\n  url: redis://h:1\n  key_prefix: \"a b\"\n", "t.yaml", null))
        .hasMessageContaining("redis.key_prefix");
    assertThatThrownBy(() -> loader.parse(base() + "redis:\n  url: redis://h:1\n  command_timeout_ms: 0\n", "t.yaml", null))
        .hasMessageContaining("redis.command_timeout_ms");
    assertThatThrownBy(() -> loader.parse(base() + "redis:\n  url: redis://h:1\n  pool: 3\n", "t.yaml", null))
        .hasMessageContaining("pool");
  }

  private static String base() throws IOException {
    try (InputStream in = RedisConfigTest.class.getClassLoader().getResourceAsStream("gateway-test.yaml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8) + "\n";
    }
  }
}
