package io.tollgate.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A limit crossing 50, 80 and 100 % of its cap posts one alert each to the webhook, and a refusal adds none. */
class BudgetAlertsTest {
  private static final String CHAT = "{\"model\":\"chat-a\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @TempDir
  static Path dir;
  static GatewayFixture f;
  static HttpServer hook;
  static final List<JsonObject> received = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir);
    hook = GatewayFixture.await(f.vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      received.add(body.toJsonObject());
      req.response().setStatusCode(204).end();
    })).listen(0));
    Files.writeString(f.configFile, Files.readString(f.configFile) + "\nalerts:\n  webhook_url: http://127.0.0.1:"
        + hook.actualPort() + "/hook\n  thresholds: [50, 80, 100]\n");
    HttpResponse<String> reloaded = f.post("/admin/config/reload", "", f.admin());
    assertThat(reloaded.statusCode()).as(reloaded.body()).isEqualTo(200);
  }

  @AfterAll
  static void stop() throws Exception {
    GatewayFixture.await(hook.close());
    f.close();
  }

  @Test
  void eachThresholdAlertsOnceAndOneRefusalAlertsOnce() throws Exception {
    received.clear();
    Tenant t = Tenant.create(f, "budget");
    f.post("/admin/limits", "{\"scope\":\"key\",\"subject\":\"" + t.keyId()
        + "\",\"metric\":\"requests\",\"window\":\"day\",\"cap\":4}", f.admin());

    for (int i = 0; i < 4; i++) {
      assertThat(chat(t).statusCode()).isEqualTo(200);
    }
    assertThat(chat(t).statusCode()).isEqualTo(429);
    assertThat(chat(t).statusCode()).isEqualTo(429);

    awaitAlerts(4);
    Thread.sleep(200); // nothing more arrives
    // each alert is its own webhook post: they may arrive in any order (each carries 'at')
    assertThat(received).extracting(a -> a.getString("type") + " " + a.getInteger("threshold_percent")).containsExactlyInAnyOrder(
        "limit.threshold_crossed 50", "limit.threshold_crossed 80", "limit.threshold_crossed 100", "limit.refused null");
    assertThat(received).allSatisfy(a -> {
      assertThat(a.getString("limit")).isEqualTo("key_daily_requests");
      assertThat(a.getString("counter")).contains(t.keyId());
    });
    assertThat(received).filteredOn(a -> Integer.valueOf(100).equals(a.getInteger("threshold_percent")))
        .singleElement().satisfies(a -> assertThat(a.getLong("used")).isEqualTo(4L));
  }

  @Test
  void aRefusalOnAFreshLimitRaisesARefusalAlertNotAHundredPercent() throws Exception {
    received.clear();
    Tenant t = Tenant.create(f, "budget-refused");
    // a cap below one request's worst case: the first request is refused, and that is the 100 % alert
    f.post("/admin/limits", "{\"scope\":\"key\",\"subject\":\"" + t.keyId()
        + "\",\"metric\":\"tokens\",\"window\":\"day\",\"cap\":3}", f.admin());

    assertThat(chat(t).statusCode()).isEqualTo(429);

    awaitAlerts(1);
    assertThat(received.get(0).getString("type")).isEqualTo("limit.refused");
    assertThat(received.get(0).getLong("used")).isZero();
    assertThat(received.get(0).getLong("requested")).isGreaterThan(3L);
  }

  private static HttpResponse<String> chat(Tenant t) {
    return f.post("/v1/chat/completions", CHAT, "authorization", "Bearer " + t.key(), "x-tollgate-route", "routed");
  }

  private static void awaitAlerts(int count) throws InterruptedException {
    for (int i = 0; i < 250 && received.size() < count; i++) {
      Thread.sleep(20);
    }
    assertThat(received).as("alerts received").hasSizeGreaterThanOrEqualTo(count);
  }
}
