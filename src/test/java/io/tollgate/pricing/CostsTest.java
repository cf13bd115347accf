package io.tollgate.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.ConfigLoader;
import io.tollgate.config.GatewayConfig;
import io.tollgate.config.Multipliers;
import io.tollgate.config.Price;
import io.tollgate.config.RouteType;
import io.tollgate.receipts.Usage;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A missing {@code cached_input} or {@code cache_write} bills cache reads or writes at the input price; an explicit
 * price bills them at that price, {@code 0} included; a hold prices its prompt at the dearest of the three.
 */
class CostsTest {
  private static final Multipliers NONE = new Multipliers(Multipliers.ONE, Map.of());
  /** 1,000,000 prompt tokens of which 400,000 cached, and no output. */
  private static final Usage CACHED = new Usage(1_000_000, 0, 400_000, "measured");

  @Test
  void aMissingCachedInputPriceBillsCachedTokensAtTheInputPrice() {
    Price price = legPrice("{input: 2.00, output: 8.00}");

    assertThat(price.cachedInputMicrosPerMTok()).isEqualTo(2_000_000);
    assertThat(Costs.costMicros(price, CACHED, NONE, RouteType.ROUTED)).isEqualTo(2_000_000);
  }

  @Test
  void anExplicitZeroCachedInputPriceBillsCachedTokensNothing() {
    Price price = legPrice("{input: 2.00, output: 8.00, cached_input: 0}");

    assertThat(price.cachedInputMicrosPerMTok()).isZero();
    assertThat(Costs.costMicros(price, CACHED, NONE, RouteType.ROUTED)).isEqualTo(1_200_000);
  }

  @Test
  void aCachedInputPriceBillsCachedTokensAtThatPrice() {
    Price price = legPrice("{input: 2.00, output: 8.00, cached_input: 0.50}");

    assertThat(Costs.costMicros(price, CACHED, NONE, RouteType.ROUTED)).isEqualTo(1_200_000 + 200_000);
  }

  /** 1,000,000 prompt tokens of which 300,000 read from the cache and 500,000 written to it, and 10 output tokens. */
  private static final Usage READ_AND_WRITTEN = new Usage(1_000_000, 10, 300_000, 500_000, "measured", null);

  @Test
  void aMissingCacheWritePriceBillsCacheWritesAtTheInputPrice() {
    Price price = legPrice("{input: 2.00, output: 8.00, cached_input: 0.50}");

    assertThat(price.cacheWriteMicrosPerMTok()).isEqualTo(2_000_000);
    // 200,000 x 2.00 + 300,000 x 0.50 + 500,000 x 2.00 + 10 x 8.00
    assertThat(Costs.costMicros(price, READ_AND_WRITTEN, NONE, RouteType.ROUTED)).isEqualTo(400_000 + 150_000 + 1_000_000 + 80);
  }

  @Test
  void aCacheWritePriceBillsCacheWritesAtThatPrice() {
    Price price = legPrice("{input: 2.00, output: 8.00, cached_input: 0.50, cache_write: 2.500001}");

    // 200,000 x 2.00 + 300,000 x 0.50 + 500,000 x 2.500001 + 10 x 8.00 = 1,800,080.5, rounded up once
    assertThat(Costs.costMicros(price, READ_AND_WRITTEN, NONE, RouteType.ROUTED)).isEqualTo(1_800_081);
  }

  @Test
  void theWorstCasePricesEveryPromptTokenAtTheDearestPromptPrice() {
    Price writesDearer = legPrice("{input: 2.00, output: 8.00, cached_input: 0.20, cache_write: 2.50}");
    Price inputDearest = legPrice("{input: 2.00, output: 8.00, cached_input: 0.20, cache_write: 1.00}");

    // 1,000 prompt tokens and 100 output tokens
    assertThat(Costs.worstCaseMicros(writesDearer, 1_000, 100, NONE, RouteType.ROUTED)).isEqualTo(2_500 + 800);
    assertThat(Costs.worstCaseMicros(inputDearest, 1_000, 100, NONE, RouteType.ROUTED)).isEqualTo(2_000 + 800);
    assertThat(Costs.worstCaseMicros(writesDearer, 1_000, 100, NONE, RouteType.ROUTED))
        .as("no split of the prompt between input, cache reads and cache writes costs more")
        .isGreaterThanOrEqualTo(Costs.costMicros(writesDearer, new Usage(1_000, 100, 0, 1_000, "measured", null), NONE, RouteType.ROUTED))
        .isGreaterThanOrEqualTo(Costs.costMicros(writesDearer, new Usage(1_000, 100, 0, 0, "measured", null), NONE, RouteType.ROUTED));
  }

  @Test
  void appliedPricesShowTheCacheWritePriceAfterTheMultipliers() {
    Price price = legPrice("{input: 2.00, output: 8.00, cache_write: 2.50}");
    Multipliers doubled = new Multipliers(2 * Multipliers.ONE, Map.of(RouteType.ROUTED, 1_500_000L));

    assertThat(Costs.applied(price, doubled, RouteType.ROUTED).cacheWriteMicrosPerMTok()).isEqualTo(7_500_000);
  }

  private static Price legPrice(String price) {
    String yaml = """
        channels:
          - id: main
            base_url: http://127.0.0.1:9/v1
        models:
          - id: m
            prices:
              routed: %s
        routes:
          - model: m
            type: routed
            legs:
              - channel: main
        """.formatted(price);
    GatewayConfig config = new ConfigLoader(name -> null).parse(yaml, "costs.yaml", null);
    return config.route("m", RouteType.ROUTED).legs().get(0).price();
  }
}
