package io.tollgate.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.MutableClock;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A channel that fails repeatedly is opened and skipped, probed after its cooldown, and closed again on success. */
class ChannelHealthTest {
  private static final String FRAG = "{\"model\":\"frag\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @TempDir
  Path dir;
  MutableClock clock = new MutableClock(Instant.parse("2026-09-01T00:00:00Z"));
  GatewayFixture f;

  @BeforeEach
  void start() throws Exception {
    f = GatewayFixture.start(dir, clock);
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  @Test
  void opensAfterRepeatedFailuresSkipsTheChannelAndClosesAfterASuccessfulProbe() {
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = f.chat(FRAG, "x-mock", "status=503,when_model=up-frag");
      assertThat(r.headers().firstValue("x-tollgate-leg")).hasValue("backup-1");
    }
    assertThat(channel("fragile").getJsonObject("health").getString("state")).isEqualTo("open");
    assertThat(channel("fragile").getJsonObject("health").getJsonObject("last_error").getString("outcome")).isEqualTo("http_5xx");
    long calls = f.upstream.requestCount("up-frag");

    HttpResponse<String> skipped = f.chat(FRAG);

    assertThat(skipped.headers().firstValue("x-tollgate-leg")).hasValue("backup-1");
    assertThat(f.upstream.requestCount("up-frag")).isEqualTo(calls);
    assertThat(receipt(skipped).getJsonArray("attempts").getJsonObject(0).getString("outcome")).isEqualTo("skipped_circuit_open");

    clock.advance(Duration.ofSeconds(30));
    assertThat(channel("fragile").getJsonObject("health").getString("state")).isEqualTo("half_open");
    HttpResponse<String> probe = f.chat(FRAG);

    assertThat(probe.headers().firstValue("x-tollgate-leg")).hasValue("primary");
    assertThat(f.upstream.requestCount("up-frag")).isEqualTo(calls + 1);
    assertThat(channel("fragile").getJsonObject("health").getString("state")).isEqualTo("closed");
    assertThat(f.chat(FRAG).headers().firstValue("x-tollgate-leg")).hasValue("primary");
  }

  @Test
  void aFailedProbeOpensTheBreakerAgain() {
    for (int i = 0; i < 3; i++) {
      f.chat(FRAG, "x-mock", "status=500,when_model=up-frag");
    }
    clock.advance(Duration.ofSeconds(31));

    HttpResponse<String> probe = f.chat(FRAG, "x-mock", "status=500,when_model=up-frag");

    assertThat(receipt(probe).getJsonArray("attempts").getJsonObject(0).getString("outcome")).isEqualTo("http_5xx");
    assertThat(channel("fragile").getJsonObject("health").getString("state")).isEqualTo("open");
    assertThat(receipt(f.chat(FRAG)).getJsonArray("attempts").getJsonObject(0).getString("outcome")).isEqualTo("skipped_circuit_open");
  }

  @Test
  void anUpstreamRetryAfterKeepsRequestsAwayFromThatChannelUntilItPasses() {
    HttpResponse<String> limited = f.chat(FRAG, "x-mock", "status=429,retry_after=60,when_model=up-frag");
    assertThat(limited.headers().firstValue("x-tollgate-leg")).hasValue("backup-1");
    assertThat(channel("fragile").getJsonObject("health").getString("state")).isEqualTo("retry_after");

    assertThat(receipt(f.chat(FRAG)).getJsonArray("attempts").getJsonObject(0).getString("outcome")).isEqualTo("skipped_circuit_open");

    clock.advance(Duration.ofSeconds(61));
    assertThat(f.chat(FRAG).headers().firstValue("x-tollgate-leg")).hasValue("primary");
  }

  @Test
  void triesAnUnhealthyChannelWhenNoHealthyLegRemains() {
    for (int i = 0; i < 3; i++) {
      f.chat(FRAG, "x-mock", "status=503,when_model=up-frag");
    }
    HttpResponse<String> bothDown = f.chat(FRAG, "x-mock", "status=503,when_model=up-frag-backup");

    assertThat(bothDown.statusCode()).isEqualTo(502);
    JsonArray attempts = receipt(bothDown).getJsonArray("attempts");
    assertThat(attempts.getJsonObject(0).getString("outcome")).isEqualTo("skipped_circuit_open");
    assertThat(attempts.getJsonObject(1).getString("outcome")).isEqualTo("http_5xx");
  }

  @Test
  void reportsEachChannelsHealthToOperatorsWithoutItsCredential() {
    f.chat(FRAG);
    f.chat(FRAG, "x-mock", "status=500,when_model=up-frag");

    HttpResponse<String> channels = f.get("/admin/channels", f.admin());

    assertThat(channels.statusCode()).isEqualTo(200);
    assertThat(channels.body()).doesNotContain("test-upstream-credential");
    JsonObject health = channel("fragile").getJsonObject("health");
    assertThat(health.getInteger("requests")).isEqualTo(2);
    assertThat(health.getDouble("success_rate")).isEqualTo(0.5);
    assertThat(health.getLong("latency_p50_ms")).isNotNull();
    assertThat(health.getLong("latency_p95_ms")).isNotNull();
    assertThat(f.get("/admin/channels", f.bearer()).statusCode()).isEqualTo(401);
  }

  @Test
  void showsUsersTheRouteTypesLegsAndAHealthSummary() {
    f.chat(FRAG);

    HttpResponse<String> plan = f.get("/v1/routes/frag", f.bearer());

    assertThat(plan.statusCode()).isEqualTo(200);
    JsonObject route = new JsonObject(plan.body()).getJsonArray("routes").getJsonObject(0);
    assertThat(route.getString("type")).isEqualTo("routed");
    JsonObject primary = route.getJsonArray("legs").getJsonObject(0);
    assertThat(primary.getString("leg")).isEqualTo("primary");
    assertThat(primary.getString("channel")).isEqualTo("fragile-relay");
    assertThat(primary.getString("bucket")).isEqualTo("RMB");
    assertThat(primary.getJsonObject("price").getLong("output_micros_per_mtok")).isEqualTo(2_000_000L);
    assertThat(primary.getJsonObject("health").getString("state")).isEqualTo("closed");
    assertThat(plan.body()).doesNotContain("127.0.0.1");
    assertThat(f.get("/v1/routes/fragg", f.bearer()).body()).contains("'frag'");
  }

  private JsonObject channel(String id) {
    JsonArray data = new JsonObject(f.get("/admin/channels", f.admin()).body()).getJsonArray("data");
    return data.stream().map(JsonObject.class::cast).filter(c -> c.getString("id").equals(id)).findFirst().orElseThrow();
  }

  private JsonObject receipt(HttpResponse<String> response) {
    return new JsonObject(f.get("/admin/receipts/" + response.headers().firstValue("x-tollgate-request-id").orElseThrow(),
        f.admin()).body());
  }
}
