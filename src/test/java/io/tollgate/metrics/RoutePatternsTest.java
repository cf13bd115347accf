package io.tollgate.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RoutePatternsTest {
  private final RoutePatterns patterns = new RoutePatterns(Arrays.asList("/admin/*", "/v1/receipts", "/v1/receipts/:id",
      "/admin/accounts/:id/topups", null, "/v1/models/:id", "/v1/receipts"));

  @Test
  void namesAPathByTheFirstPatternItMatches() {
    assertThat(patterns.name("/v1/receipts")).isEqualTo("/v1/receipts");
    assertThat(patterns.name("/v1/receipts/")).isEqualTo("/v1/receipts");
    assertThat(patterns.name("/v1/receipts/req_123")).isEqualTo("/v1/receipts/:id");
    assertThat(patterns.name("/admin/accounts/acct_9/topups")).isEqualTo("/admin/accounts/:id/topups");
  }

  @Test
  void anythingElseIsUnmatchedAndWildcardGuardsAreNoEndpoints() {
    assertThat(patterns.name("/admin/accounts/acct_9")).isEqualTo(RoutePatterns.UNMATCHED);
    assertThat(patterns.name("/v1/receipts/a/b")).isEqualTo(RoutePatterns.UNMATCHED);
    assertThat(patterns.name("/v1/models//")).isEqualTo(RoutePatterns.UNMATCHED);
    assertThat(patterns.name("/admin/whatever")).isEqualTo(RoutePatterns.UNMATCHED);
  }
}
