package io.tollgate.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.config.ConfigLoader;
import io.tollgate.config.GatewayConfig;
import io.tollgate.store.Store;
import io.tollgate.testing.GatewayFixture;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A configuration's price version resolves for as long as a request can hold that configuration. */
class PriceVersionsTest {
  private static final Map<String, String> ENV = Map.of(
      "UPSTREAM", "http://127.0.0.1:9/v1", "UPSTREAM_KEY", "k", "DEAD_UPSTREAM", "http://127.0.0.1:10/v1");

  @TempDir
  Path dir;
  Store store;
  PriceVersions versions;

  @BeforeEach
  void open() {
    store = Store.open(dir.resolve("tollgate.db"));
    versions = new PriceVersions(store);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void theFirstOfManyReloadedConfigurationsStillResolves() throws Exception {
    List<GatewayConfig> reloaded = new ArrayList<>();
    List<Long> registered = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      // every other reload changes a price, so versions alternate as a busy operator's would
      GatewayConfig config = parse(i % 2 == 0 ? "1.00" : "1.10");
      reloaded.add(config);
      registered.add(versions.register(config, 1_000L * i));
    }

    assertThat(versions.of(reloaded.get(0))).isEqualTo(registered.get(0));
    for (int i = 0; i < reloaded.size(); i++) {
      assertThat(versions.of(reloaded.get(i))).as("config %d", i).isEqualTo(registered.get(i));
    }
    assertThat(registered.get(0)).isNotEqualTo(registered.get(1));
    assertThat(registered.get(0)).isEqualTo(registered.get(18));
  }

  @Test
  void aConfigurationThatWasNeverRegisteredHasNoVersion() throws Exception {
    versions.register(parse("1.00"), 0);

    assertThatThrownBy(() -> versions.of(parse("1.00")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("never registered");
  }

  private static GatewayConfig parse(String multiplier) throws Exception {
    String yaml = GatewayFixture.resource("gateway-test.yaml").replace("multiplier: 1.0", "multiplier: " + multiplier);
    return new ConfigLoader(ENV::get).parse(yaml, "test.yaml", null);
  }
}
