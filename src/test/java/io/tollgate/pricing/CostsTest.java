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

/** A missing {@code cached_input} bills cached prompt tokens at the input price; an explicit {@code cached_input: 0} bills them nothing. */
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
