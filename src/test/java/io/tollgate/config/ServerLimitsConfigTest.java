package io.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code server:} timeouts and connection caps: defaults, values, and errors that name the line. */
class ServerLimitsConfigTest {
  private final ConfigLoader loader = new ConfigLoader(Map.of("UPSTREAM", "http://127.0.0.1:9/v1", "KEY", "k")::get);

  @Test
  void defaultsWhenTheServerSectionSaysNothing() {
    ServerLimits limits = loader.parse(config(""), "t.yaml", null).serverLimits();

    assertThat(limits).isEqualTo(ServerLimits.DEFAULTS);
    assertThat(limits.headerTimeoutMs()).isEqualTo(10_000);
    assertThat(limits.bodyTimeoutMs()).isEqualTo(30_000);
    assertThat(limits.idleTimeoutMs()).isEqualTo(75_000);
    assertThat(limits.maxConnections()).isEqualTo(10_000);
    assertThat(limits.maxConnectionsPerAddress()).isEqualTo(1_000);
  }

  @Test
  void readsEveryValue() {
    ServerLimits limits = loader.parse(config("""
          header_timeout_ms: 2000
          body_timeout_ms: 5000
          idle_timeout_ms: 9000
          max_connections: 300
          max_connections_per_address: 30
        """), "t.yaml", null).serverLimits();

    assertThat(limits).isEqualTo(new ServerLimits(2_000, 5_000, 9_000, 300, 30));
  }

  @Test
  void refusesAPerAddressCapAboveTheTotalNamingTheLine() {
    String yaml = config("""
          max_connections: 100
          max_connections_per_address: 500
        """);

    assertThatThrownBy(() -> loader.parse(yaml, "bad.yaml", null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("bad.yaml:4:")
        .hasMessageContaining("server.max_connections_per_address")
        .hasMessageContaining("500")
        .hasMessageContaining("fix:");
  }

  @Test
  void refusesATimeoutOutOfRangeWithItsExpectation() {
    assertThatThrownBy(() -> loader.parse(config("  header_timeout_ms: 0\n"), "bad.yaml", null))
        .hasMessageContaining("bad.yaml:3:")
        .hasMessageContaining("server.header_timeout_ms")
        .hasMessageContaining("0 is out of range");
    assertThatThrownBy(() -> loader.parse(config("  idle_timeout_ms: ten\n"), "bad.yaml", null))
        .hasMessageContaining("server.idle_timeout_ms")
        .hasMessageContaining("not a whole number");
    assertThatThrownBy(() -> loader.parse(config("  max_connections: 0\n"), "bad.yaml", null))
        .hasMessageContaining("server.max_connections");
  }

  private static String config(String serverLines) {
    return "server:\n  port: 0\n" + serverLines + """
        channels:
          - id: main
            base_url: ${UPSTREAM}
            api_key: ${KEY}
        models:
          - id: m
            max_output_tokens: 100
            prices:
              routed: {input: 1.5, output: 2.5}
        routes:
          - model: m
            type: routed
            legs:
              - channel: main
                upstream_model: m-up
        """;
  }
}
