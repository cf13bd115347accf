package io.tollgate.receipts;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.MutableClock;
import io.tollgate.testing.Tenant;
import io.tollgate.testing.Wallets;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Usage by day (in the configured zone), key, model, route type and bucket, summed from receipts. */
class UsageReportTest {
  private static final String CHAT = "{\"model\":\"chat-a\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @TempDir
  static Path dir;
  static GatewayFixture f;
  static final MutableClock clock = new MutableClock(Instant.parse("2026-07-01T15:30:00Z"));

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir, clock);
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  @Test
  void sumsReceiptsByDayKeyModelRouteTypeAndBucketAcrossShanghaiMidnight() {
    Tenant a = Tenant.create(f, "usage");
    Tenant b = a.anotherKey(f);
    long rmbBefore = Wallets.balance(f.store, a.accountId(), Bucket.RMB);
    long creditBefore = Wallets.balance(f.store, a.accountId(), Bucket.CREDIT);
    clock.set(Instant.parse("2026-07-01T15:30:00Z")); // 23:30 on July 1st in Shanghai
    chat(a, "routed", "tokens=5");
    chat(a, "routed", "tokens=7");
    chat(a, "official", "tokens=3");
    clock.set(Instant.parse("2026-07-01T16:30:00Z")); // 00:30 on July 2nd in Shanghai
    chat(b, "routed", "tokens=4");
    assertThat(chat(b, "routed", "status=500").statusCode()).isEqualTo(502);

    JsonObject report = new JsonObject(f.get("/v1/usage?from=2026-07-01&to=2026-07-02&group_by=day,key,route_type",
        a.bearer()).body());

    assertThat(report.getString("time_zone")).isEqualTo("Asia/Shanghai");
    JsonArray data = report.getJsonArray("data");
    assertThat(data.stream().map(JsonObject.class::cast).map(r -> r.getString("day") + " " + (r.getString("key_id")
        .equals(a.keyId()) ? "a" : "b") + " " + r.getString("route_type") + " " + r.getString("bucket") + " "
        + r.getLong("requests") + "/" + r.getLong("charged_requests")))
        .containsExactlyInAnyOrder("2026-07-01 a routed RMB 2/2", "2026-07-01 a official CREDIT 1/1",
            "2026-07-02 b routed RMB 1/1", "2026-07-02 b routed null 1/0");
    assertThat(sum(data, "RMB")).isEqualTo(rmbBefore - Wallets.balance(f.store, a.accountId(), Bucket.RMB));
    assertThat(sum(data, "CREDIT")).isEqualTo(creditBefore - Wallets.balance(f.store, a.accountId(), Bucket.CREDIT));
    JsonObject secondDay = new JsonObject(f.get("/v1/usage?from=2026-07-02&to=2026-07-02&group_by=model", b.bearer()).body());
    JsonArray models = secondDay.getJsonArray("data");
    assertThat(models.stream().map(JsonObject.class::cast).mapToLong(r -> r.getLong("charged_requests")).sum()).isEqualTo(1);

    JsonObject admin = new JsonObject(f.get("/admin/usage?from=2026-07-01&to=2026-07-02&group_by=project&project_id="
        + a.projectId(), f.admin()).body());
    assertThat(sum(admin.getJsonArray("data"), "RMB")).isEqualTo(sum(data, "RMB"));
  }

  @Test
  void refusesABadRangeOrGrouping() {
    Tenant t = Tenant.create(f, "usage-bad");
    for (String query : List.of("from=2026-13-01", "from=2026-07-02&to=2026-07-01", "from=2024-01-01&to=2026-01-01",
        "group_by=week")) {
      HttpResponse<String> r = f.get("/v1/usage?" + query, t.bearer());
      assertThat(r.statusCode()).as(query).isEqualTo(400);
      assertThat(new JsonObject(r.body()).getJsonObject("error").getString("param")).isNotBlank();
    }
    assertThat(f.get("/v1/usage").statusCode()).isEqualTo(401);
  }

  private static HttpResponse<String> chat(Tenant t, String route, String mock) {
    return f.post("/v1/chat/completions", CHAT, "authorization", "Bearer " + t.key(), "x-tollgate-route", route, "x-mock", mock);
  }

  private static long sum(JsonArray rows, String bucket) {
    return rows.stream().map(JsonObject.class::cast).filter(r -> bucket.equals(r.getString("bucket")))
        .mapToLong(r -> r.getLong("charged_micros")).sum();
  }
}
