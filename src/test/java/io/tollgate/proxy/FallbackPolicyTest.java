package io.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.auth.KeyScope;
import io.tollgate.config.RouteType;
import io.tollgate.testing.GatewayFixture;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The route's fallback policy decides which failures move on and which legs may serve. */
class FallbackPolicyTest {
  private static final String POL = "{\"model\":\"pol\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

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

  @Test
  void skipsCostlierAndOtherBucketLegsAndNeverRetriesAFailedLeg() {
    HttpResponse<String> response = f.chat(POL, "x-tollgate-route", "routed", "x-mock", "status=503,when_model=up-pol");

    assertThat(response.statusCode()).isEqualTo(502);
    JsonArray attempts = receipt(response).getJsonArray("attempts");
    assertThat(attempts.stream().map(a -> ((JsonObject) a).getString("outcome")))
        .containsExactly("http_5xx", "skipped_costlier", "skipped_bucket_change", "skipped_already_failed");
    assertThat(f.upstream.requestCount("up-pol-costly")).isZero();
    assertThat(f.upstream.requestCount("up-pol-credit")).isZero();
    assertThat(new JsonObject(response.body()).getJsonObject("error").getString("message")).contains("All 1 upstream attempts failed");
  }

  @Test
  void movesOnlyOnTheFailureClassesAndProviderCodesThePolicyNames() {
    HttpResponse<String> byCode = f.chat(POL, "x-tollgate-route", "official", "x-mock", "status=429,when_model=up-pol-off");
    assertThat(byCode.statusCode()).isEqualTo(200);
    assertThat(byCode.headers().firstValue("x-tollgate-upstream-model")).hasValue("up-pol-off-costly");

    HttpResponse<String> timeout = f.chat(POL, "x-tollgate-route", "official", "x-mock", "malformed=true,when_model=up-pol-off");
    assertThat(timeout.statusCode()).isEqualTo(502);
    assertThat(receipt(timeout).getJsonArray("attempts")).hasSize(1);
  }

  @Test
  void crossesToAnotherBucketOnlyWhenTheKeyAllowsItToo() {
    String careful = f.newKey(new KeyScope(List.of(), List.of(RouteType.OFFICIAL), false));
    String relaxed = f.newKey(new KeyScope(List.of(), List.of(RouteType.OFFICIAL), true));
    String failPrimary = "status=503,when_model=up-pol-off";

    HttpResponse<String> kept = f.post("/v1/chat/completions", POL, "authorization", "Bearer " + careful, "x-mock", failPrimary);
    HttpResponse<String> crossed = f.post("/v1/chat/completions", POL, "authorization", "Bearer " + relaxed, "x-mock", failPrimary);

    assertThat(kept.statusCode()).isEqualTo(200);
    assertThat(kept.headers().firstValue("x-tollgate-bucket")).hasValue("CREDIT");
    assertThat(receipt(kept).getJsonArray("attempts").getJsonObject(1).getString("outcome")).isEqualTo("skipped_bucket_change");
    assertThat(crossed.statusCode()).isEqualTo(200);
    assertThat(crossed.headers().firstValue("x-tollgate-bucket")).hasValue("RMB");
    JsonObject served = receipt(crossed).getJsonArray("attempts").getJsonObject(1);
    assertThat(served.getString("upstream_model")).isEqualTo("up-pol-off-rmb");
    assertThat(served.getBoolean("charged")).isTrue();
  }

  private static JsonObject receipt(HttpResponse<String> response) {
    return new JsonObject(f.get("/admin/receipts/" + response.headers().firstValue("x-tollgate-request-id").orElseThrow(),
        f.admin()).body());
  }
}
