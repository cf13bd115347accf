package io.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LoggingConfigTest {
  private static final String BASE = io.tollgate.testing.TestConfigs.MINIMAL;
  private final ConfigLoader loader = new ConfigLoader(Map.<String, String>of()::get);

  @Test
  void defaultsToTextAtInfoWithTheAccessLog() {
    GatewayConfig config = loader.parse(BASE, "t.yaml", null);

    assertThat(config.logging()).isEqualTo(new LoggingConfig(LoggingConfig.Format.TEXT, "info", true));
    assertThat(config.logging()).isEqualTo(LoggingConfig.DEFAULTS);
  }

  @Test
  void readsFormatLevelAndAccessLog() {
    GatewayConfig config = loader.parse(BASE + "logging: {format: json, level: DEBUG, access_log: false}\n", "t.yaml", null);

    assertThat(config.logging()).isEqualTo(new LoggingConfig(LoggingConfig.Format.JSON, "debug", false));
  }

  @Test
  void namesTheLineOfAnUnknownFormat() {
    String yaml = BASE + "logging:\n  format: xml\n";

    assertThatThrownBy(() -> loader.parse(yaml, "t.yaml", null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("t.yaml:" + (BASE.split("\n").length + 2) + ": logging.format: unknown format 'xml'")
        .hasMessageContaining("fix: use text (readable lines) or json");
  }

  @Test
  void rejectsAnUnknownLevelAndAMisspelledKey() {
    assertThatThrownBy(() -> loader.parse(BASE + "logging: {level: loud}\n", "t.yaml", null))
        .hasMessageContaining("logging.level: unknown level 'loud'")
        .hasMessageContaining("trace, debug, info, warn, error or off");
    assertThatThrownBy(() -> loader.parse(BASE + "logging: {acess_log: false}\n", "t.yaml", null))
        .hasMessageContaining("unknown key 'acess_log'")
        .hasMessageContaining("did you mean 'access_log'");
  }
}
