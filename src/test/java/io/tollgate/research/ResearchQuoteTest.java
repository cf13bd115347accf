package io.tollgate.research;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A research quote prices every section with the quote machinery, adds them up per bucket and warns in words. */
class ResearchQuoteTest {
  @TempDir
  static Path dir;
  static GatewayFixture f;

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir);
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  static JsonObject quote(String body, String... headers) {
    HttpResponse<String> r = f.post("/v1/research/quote", body, headers);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  @Test
  void aQuickQuoteHasTwoSectionsEachPricedAsTheSameRequestWouldBe() {
    JsonObject q = quote("{\"symbol\":\"acme\",\"mode\":\"quick\"}", f.bearer());
    assertThat(q.getString("id")).startsWith("rq");
    assertThat(q.getLong("expires_at") - q.getLong("created_at")).isEqualTo(600);
    assertThat(q.getJsonObject("data").getBoolean("sample")).isTrue();
    JsonArray sections = q.getJsonArray("sections");
    assertThat(sections).hasSize(2);
    long sum = 0;
    for (Object o : sections) {
      JsonObject s = (JsonObject) o;
      assertThat(s.getJsonObject("route").getString("upstream_model")).isEqualTo("up-a-routed");
      assertThat(s.getJsonArray("backup_routes").getJsonObject(0).getString("upstream_model")).isEqualTo("up-a-routed-backup");
      long max = s.getJsonObject("cost").getJsonObject("max_micros_by_bucket").getLong("RMB");
      // the same call, quoted by POST /v1/quote: the research quote re-uses the machinery, it computes no money itself
      JsonObject single = new JsonObject(f.post("/v1/quote", "{\"model\":\"chat-a\",\"max_tokens\":" + s.getJsonObject("tokens")
          .getLong("max_output") + ",\"prompt_tokens\":" + s.getJsonObject("tokens").getLong("prompt_max") + "}",
          "authorization", f.bearer()[1], "x-tollgate-route", "routed").body());
      assertThat(max).isEqualTo(single.getJsonObject("cost").getJsonObject("max_micros_by_bucket").getLong("RMB"));
      sum += max;
      assertThat(s.getJsonObject("time").getLong("worst_ms")).isGreaterThanOrEqualTo(s.getJsonObject("time").getLong("expected_ms"));
    }
    JsonObject rmb = q.getJsonObject("cost").getJsonObject("RMB");
    assertThat(rmb.getLong("max_micros")).isEqualTo(sum);
    assertThat(rmb.getLong("expected_micros")).isBetween(rmb.getLong("min_micros"), rmb.getLong("max_micros"));
    assertThat(q.getJsonObject("indicators").getString("SMA 200")).isNotEqualTo("n/a");
    assertThat(q.getJsonArray("warnings").stream().map(w -> ((JsonObject) w).getString("code"))).contains("sample_data");
  }

  @Test
  void aDeepQuoteWarnsOfTheOfficialCreditRouteAndTheCostlierBackup() {
    JsonObject q = quote("{\"symbol\":\"ACME\",\"mode\":\"deep\"}", f.bearer());
    assertThat(q.getJsonArray("sections")).hasSize(8);
    assertThat(q.getJsonObject("cost").fieldNames()).containsExactlyInAnyOrder("CREDIT", "RMB");
    assertThat(q.getJsonArray("warnings").stream().map(w -> ((JsonObject) w).getString("code")))
        .contains("official_credit_route", "backup_costlier");
    assertThat(q.getJsonArray("warnings").stream().map(w -> ((JsonObject) w).getString("message")))
        .anyMatch(m -> m.contains("Section 'critique' runs on chat-a's official route, paid from official Credit"));
    assertThat(q.getJsonObject("time").getLong("worst_ms")).isPositive();
  }

  @Test
  void aThinWalletIsWarnedBeforeTheRunStarts() {
    Tenant thin = Tenant.funded(f, "thin", "1000", "0.000100");
    JsonObject q = quote("{\"symbol\":\"ACME\",\"mode\":\"quick\"}", thin.bearer());
    assertThat(q.getJsonArray("balances").getJsonObject(0).getBoolean("enough_for_max")).isFalse();
    assertThat(q.getJsonArray("warnings").stream().map(w -> ((JsonObject) w).getString("code"))).contains("balance_short");
  }

  @Test
  void anUnknownModeOrSymbolIsRefusedWithTheParameterToFix() {
    HttpResponse<String> mode = f.post("/v1/research/quote", "{\"symbol\":\"ACME\",\"mode\":\"turbo\"}", f.bearer());
    assertThat(mode.statusCode()).isEqualTo(400);
    assertThat(mode.body()).contains("\"param\":\"mode\"").contains("quick");
    HttpResponse<String> symbol = f.post("/v1/research/quote", "{\"symbol\":\"AAPL\"}", f.bearer());
    assertThat(symbol.statusCode()).isEqualTo(400);
    assertThat(symbol.body()).contains("market_data_unavailable").contains("no sample data for AAPL");
  }
}
