package io.tollgate.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.MutableClock;
import io.tollgate.testing.Tenant;
import io.tollgate.testing.Wallets;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Limits follow the route: nested scopes, refusals that touch nothing, windows that reset on the configured clock. */
class RouteLimitsTest {
  private static final String CHAT_A = "{\"model\":\"chat-a\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @TempDir
  static Path dir;
  static MutableClock clock = new MutableClock(Instant.parse("2026-06-01T04:00:00Z"));
  static GatewayFixture f;

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir, clock);
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  @BeforeEach
  void reset() {
    f.upstream.resetCounts();
  }

  @AfterEach
  void ledgerStaysConsistent() {
    Wallets.assertVerified(f.store, clock.millis());
  }

  @Test
  void nestedLimitsRefuseTheTightestFirstAndRefusalsTouchNoOtherCounter() throws Exception {
    clock.set(Instant.parse("2026-06-02T04:00:00Z"));
    f.configureLimits("""
        limits:
          - {scope: route, model: chat-a, route_type: routed, metric: requests, window: day, cap: 3, per: account}
        """);
    Tenant t = Tenant.create(f, "nested");
    setLimit("key", t.keyId(), "requests", "day", 5);
    setLimit("project", t.projectId(), "requests", "day", 8);

    for (int i = 0; i < 3; i++) {
      assertThat(chat(t, CHAT_A, "routed").statusCode()).isEqualTo(200);
    }
    HttpResponse<String> routeRefused = chat(t, CHAT_A, "routed");
    assertThat(routeRefused.statusCode()).isEqualTo(429);
    assertThat(code(routeRefused)).isEqualTo("route_daily_requests_limit_reached");
    assertThat(spent(t, "route_daily_requests")).isEqualTo(3);
    assertThat(spent(t, "key_daily_requests")).isEqualTo(3);
    assertThat(spent(t, "project_daily_requests")).isEqualTo(3);

    assertThat(chat(t, CHAT_A, "official").statusCode()).isEqualTo(200);
    assertThat(chat(t, CHAT_A, "official").statusCode()).isEqualTo(200);
    HttpResponse<String> keyRefused = chat(t, CHAT_A, "official");
    assertThat(keyRefused.statusCode()).isEqualTo(429);
    assertThat(code(keyRefused)).isEqualTo("key_daily_requests_limit_reached");
    assertThat(spent(t, "key_daily_requests")).isEqualTo(5);
    assertThat(spent(t, "project_daily_requests")).isEqualTo(5);
    assertThat(spent(t, "route_daily_requests")).isEqualTo(3);
    assertThat(f.upstream.requestCount()).isEqualTo(5);

    // another key of the same project still has room under the project's 8
    Tenant sibling = t.anotherKey(f);
    assertThat(chat(sibling, CHAT_A, "official").statusCode()).isEqualTo(200);
    assertThat(spent(t, "project_daily_requests")).isEqualTo(6);
  }

  @Test
  void aRefusalThatClearsOnlyInMoreThanAMinuteTellsTheSdksNotToRetry() throws Exception {
    clock.set(Instant.parse("2026-06-03T12:00:00Z"));   // 20:00 in Asia/Shanghai: four hours before the day ends
    f.configureLimits("");
    Tenant t = Tenant.create(f, "no-retry");
    setLimit("key", t.keyId(), "requests", "day", 1);
    assertThat(chat(t, CHAT_A, "routed").statusCode()).isEqualTo(200);

    HttpResponse<String> refused = chat(t, CHAT_A, "routed");

    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("retry-after")).hasValue("14400");
    assertThat(refused.headers().firstValue("x-should-retry")).as("OpenAI's SDKs ignore a Retry-After above 60 s")
        .hasValue("false");
  }

  @Test
  void refusalsSayCapSpentHeldAndWhenTheWindowResets() throws Exception {
    clock.set(Instant.parse("2026-06-03T15:59:30Z"));   // 23:59:30 in Asia/Shanghai
    f.configureLimits("");
    Tenant t = Tenant.create(f, "message");
    setLimit("key", t.keyId(), "requests", "day", 1);
    assertThat(chat(t, CHAT_A, "routed").statusCode()).isEqualTo(200);

    HttpResponse<String> refused = chat(t, CHAT_A, "routed");

    assertThat(refused.statusCode()).isEqualTo(429);
    JsonObject error = new JsonObject(refused.body()).getJsonObject("error");
    assertThat(error.getString("type")).isEqualTo("rate_limit_exceeded");
    assertThat(error.getString("message")).contains("cap 1 requests").contains("spent 1 requests")
        .contains("held by requests in flight 0 requests").contains("2026-06-03T16:00:00Z");
    assertThat(refused.headers().firstValue("retry-after")).hasValue("30");
    assertThat(refused.headers().firstValue("x-should-retry")).as("30 s: an SDK may wait it out").isEmpty();
    assertThat(refused.headers().firstValue("x-tollgate-limit-scope")).hasValue("key_daily_requests");
    JsonObject receipt = new JsonObject(f.get("/v1/receipts/" + refused.headers().firstValue("x-tollgate-request-id").orElseThrow(),
        t.bearer()).body());
    assertThat(receipt.getString("outcome")).isEqualTo("rejected");
    assertThat(receipt.getJsonArray("attempts").getJsonObject(0).getString("outcome")).isEqualTo("skipped_key_daily_requests_limit");
  }

  @Test
  void dayWindowsResetAtMidnightInTheConfiguredZoneAndMonthWindowsAtMonthEnd() throws Exception {
    clock.set(Instant.parse("2026-06-29T16:00:00Z"));   // 2026-06-30 00:00 in Asia/Shanghai
    f.configureLimits("");
    Tenant t = Tenant.create(f, "windows");
    setLimit("key", t.keyId(), "requests", "day", 2);
    setLimit("key", t.keyId(), "requests", "month", 3);

    assertThat(chat(t, CHAT_A, "routed").statusCode()).isEqualTo(200);
    assertThat(chat(t, CHAT_A, "routed").statusCode()).isEqualTo(200);
    assertThat(code(chat(t, CHAT_A, "routed"))).isEqualTo("key_daily_requests_limit_reached");

    clock.set(Instant.parse("2026-06-30T15:59:59Z"));   // still 2026-06-30, one second before midnight there
    assertThat(code(chat(t, CHAT_A, "routed"))).isEqualTo("key_daily_requests_limit_reached");

    clock.advance(Duration.ofSeconds(1));               // 2026-07-01 00:00 in Shanghai: a new day and a new month
    assertThat(chat(t, CHAT_A, "routed").statusCode()).isEqualTo(200);
    assertThat(chat(t, CHAT_A, "routed").statusCode()).isEqualTo(200);
    assertThat(code(chat(t, CHAT_A, "routed"))).isEqualTo("key_daily_requests_limit_reached");

    clock.advance(Duration.ofDays(1));                  // 2026-07-02: the day resets, the month (3) does not
    assertThat(chat(t, CHAT_A, "routed").statusCode()).isEqualTo(200);
    HttpResponse<String> monthly = chat(t, CHAT_A, "routed");
    assertThat(code(monthly)).isEqualTo("key_monthly_requests_limit_reached");
    assertThat(resetsAt(t, "key_monthly_requests")).isEqualTo("2026-07-31T16:00:00Z");
    assertThat(resetsAt(t, "key_daily_requests")).isEqualTo("2026-07-02T16:00:00Z");

    clock.set(Instant.parse("2026-07-31T16:00:00Z"));   // 2026-08-01 00:00 in Shanghai
    assertThat(chat(t, CHAT_A, "routed").statusCode()).isEqualTo(200);
  }

  @Test
  void tokenLimitsHoldTheWorstCaseAndCountActualTokens() throws Exception {
    clock.set(Instant.parse("2026-06-05T04:00:00Z"));
    f.configureLimits("");
    Tenant t = Tenant.create(f, "tokens");
    setLimit("key", t.keyId(), "tokens", "day", 300);
    String body = "{\"model\":\"chat-a\",\"max_tokens\":200,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    HttpResponse<String> first = f.post("/v1/chat/completions", body, "authorization", "Bearer " + t.key(), "x-mock", "tokens=10");
    assertThat(first.statusCode()).isEqualTo(200);
    long used = new JsonObject(first.body()).getJsonObject("usage").getLong("total_tokens");
    assertThat(spent(t, "key_daily_tokens")).isEqualTo(used);

    // the worst case (prompt + 200) no longer fits next to what was used
    HttpResponse<String> second = f.post("/v1/chat/completions", body.replace("200", "290"), "authorization", "Bearer " + t.key());
    assertThat(second.statusCode()).isEqualTo(429);
    assertThat(code(second)).isEqualTo("key_daily_tokens_limit_reached");
    assertThat(spent(t, "key_daily_tokens")).isEqualTo(used);
    assertThat(f.post("/v1/chat/completions", body.replace("200", "100"), "authorization", "Bearer " + t.key()).statusCode()).isEqualTo(200);
  }

  @Test
  void spendLimitsCountTheirBucketOnly() throws Exception {
    clock.set(Instant.parse("2026-06-06T04:00:00Z"));
    f.configureLimits("");
    Tenant t = Tenant.create(f, "spend");
    setSpendLimit(t.keyId(), "RMB", "0.000250");

    HttpResponse<String> official = chat(t, CHAT_A, "official");
    assertThat(official.statusCode()).isEqualTo(200);
    assertThat(spent(t, "key_daily_spend")).isZero();
    HttpResponse<String> routed = chat(t, CHAT_A, "routed");
    assertThat(routed.statusCode()).isEqualTo(200);
    assertThat(spent(t, "key_daily_spend")).isEqualTo(Long.parseLong(routed.headers().firstValue("x-tollgate-cost").orElseThrow()));
    assertThat(routed.headers().firstValue("x-tollgate-limit-scope")).hasValue("key_daily_spend");
    assertThat(Long.parseLong(routed.headers().firstValue("x-tollgate-limit-remaining").orElseThrow()))
        .isEqualTo(250 - spent(t, "key_daily_spend"));
    assertThat(code(chat(t, CHAT_A, "routed"))).isEqualTo("key_daily_spend_limit_reached");
  }

  @Test
  void aBackupLegWhoseChannelLimitIsExhaustedIsSkippedAndTheReceiptSaysSo() throws Exception {
    clock.set(Instant.parse("2026-06-07T04:00:00Z"));
    f.configureLimits("""
        limits:
          - {scope: channel, channel: main, metric: requests, window: minute, cap: 1}
        """);
    Tenant t = Tenant.create(f, "channel");
    assertThat(chat(t, CHAT_A, "routed").headers().firstValue("x-tollgate-leg")).hasValue("primary");

    HttpResponse<String> second = chat(t, CHAT_A, "routed");

    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.headers().firstValue("x-tollgate-leg")).hasValue("backup-1");
    JsonObject receipt = new JsonObject(f.get("/v1/receipts/" + second.headers().firstValue("x-tollgate-request-id").orElseThrow(),
        t.bearer()).body());
    assertThat(receipt.getJsonArray("attempts").getJsonObject(0).getString("outcome")).isEqualTo("skipped_channel_minute_requests_limit");
    assertThat(f.upstream.requestCount("up-a-routed")).isEqualTo(1);
    clock.advance(Duration.ofMinutes(1));
    assertThat(chat(t, CHAT_A, "routed").headers().firstValue("x-tollgate-leg")).hasValue("primary");
  }

  @Test
  void restartKeepsTodaysSpentAndTheLimitStillHolds() throws Exception {
    clock.set(Instant.parse("2026-06-08T04:00:00Z"));
    f.configureLimits("""
        limits:
          - {scope: route, model: solo, route_type: routed, metric: requests, window: day, cap: 2}
        """);
    Tenant t = Tenant.create(f, "restart");
    String solo = "{\"model\":\"solo\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    assertThat(f.post("/v1/chat/completions", solo, t.bearer()).statusCode()).isEqualTo(200);
    assertThat(f.post("/v1/chat/completions", solo, t.bearer()).statusCode()).isEqualTo(200);

    f.restart();

    assertThat(spent(t, "route_daily_requests")).isEqualTo(2);
    HttpResponse<String> refused = f.post("/v1/chat/completions", solo, t.bearer());
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(code(refused)).isEqualTo("route_daily_requests_limit_reached");
  }

  @Test
  void ownersMayTightenTheirKeysLimitsButNeverLoosenThem() throws Exception {
    clock.set(Instant.parse("2026-06-09T04:00:00Z"));
    f.configureLimits("");
    Tenant t = Tenant.create(f, "owner");
    setLimit("key", t.keyId(), "requests", "day", 10);

    HttpResponse<String> tighter = f.post("/v1/limits", "{\"metric\":\"requests\",\"window\":\"day\",\"cap\":4}", t.bearer());
    HttpResponse<String> looser = f.post("/v1/limits", "{\"metric\":\"requests\",\"window\":\"day\",\"cap\":50}", t.bearer());
    HttpResponse<String> routeKey = f.post("/v1/limits",
        "{\"metric\":\"spend\",\"bucket\":\"RMB\",\"cap\":\"1.5\",\"window\":\"month\",\"model\":\"chat-a\",\"route_type\":\"routed\"}", t.bearer());

    assertThat(tighter.statusCode()).isEqualTo(201);
    assertThat(new JsonObject(tighter.body()).getLong("cap")).isEqualTo(4);
    assertThat(looser.statusCode()).isEqualTo(403);
    assertThat(code(looser)).isEqualTo("limit_loosening_not_allowed");
    assertThat(routeKey.statusCode()).isEqualTo(201);
    assertThat(new JsonObject(routeKey.body()).getString("label")).isEqualTo("route_key_monthly_spend");
    assertThat(f.post("/v1/limits", "{\"metric\":\"requests\",\"window\":\"week\",\"cap\":1}", t.bearer()).statusCode()).isEqualTo(400);
  }

  @Test
  void keysProjectListsTheLimitsOfEveryLiveKeyOfTheProjectNamingEachKey() throws Exception {
    clock.set(Instant.parse("2026-06-09T04:30:00Z"));
    f.configureLimits("");
    Tenant t = Tenant.create(f, "many-keys");
    Tenant other = t.anotherKey(f);
    Tenant revoked = t.anotherKey(f);
    assertThat(f.post("/v1/limits", "{\"metric\":\"requests\",\"window\":\"day\",\"cap\":7}", other.bearer()).statusCode())
        .isEqualTo(201);
    assertThat(f.post("/v1/limits", "{\"metric\":\"requests\",\"window\":\"day\",\"cap\":3}", revoked.bearer()).statusCode())
        .isEqualTo(201);
    assertThat(f.post("/admin/keys/" + revoked.keyId() + "/revoke", "", f.admin()).statusCode()).isEqualTo(200);
    Tenant stranger = Tenant.create(f, "stranger");
    assertThat(f.post("/v1/limits", "{\"metric\":\"requests\",\"window\":\"day\",\"cap\":9}", stranger.bearer()).statusCode())
        .isEqualTo(201);

    JsonArray own = new JsonObject(f.get("/v1/limits", t.bearer()).body()).getJsonArray("data");
    JsonArray project = new JsonObject(f.get("/v1/limits?keys=project", t.bearer()).body()).getJsonArray("data");

    assertThat(own.stream().map(JsonObject.class::cast).filter(l -> "key".equals(l.getString("scope")))).isEmpty();
    List<JsonObject> keyLimits = project.stream().map(JsonObject.class::cast).filter(l -> "key".equals(l.getString("scope"))).toList();
    assertThat(keyLimits).as("the other live key's limit, and neither the revoked key's nor another project's")
        .singleElement().satisfies(l -> {
          assertThat(l.getLong("cap")).isEqualTo(7);
          assertThat(l.getString("key_id")).isEqualTo(other.keyId());
          assertThat(l.getString("key_name")).isNotBlank();
        });
    JsonArray alone = new JsonObject(f.get("/v1/limits?keys=project", stranger.bearer()).body()).getJsonArray("data");
    assertThat(alone.stream().map(JsonObject.class::cast).filter(l -> "key".equals(l.getString("scope"))))
        .as("a project's only key is named too").singleElement()
        .satisfies(l -> assertThat(l.getString("key_id")).isEqualTo(stranger.keyId()));
    HttpResponse<String> bad = f.get("/v1/limits?keys=all", t.bearer());
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(bad.body()).getJsonObject("error").getString("param")).isEqualTo("keys");
  }

  @Test
  void anOwnersLimitIsItsOwnRowBesideTheOperatorsAndTheTightestWins() throws Exception {
    clock.set(Instant.parse("2026-06-09T05:00:00Z"));
    f.configureLimits("");
    Tenant t = Tenant.create(f, "two-rows");
    setLimit("key", t.keyId(), "requests", "day", 20);

    HttpResponse<String> own = f.post("/v1/limits", "{\"metric\":\"requests\",\"window\":\"day\",\"cap\":1}", t.bearer());

    assertThat(own.statusCode()).as(own.body()).isEqualTo(201);
    JsonArray stored = new JsonObject(f.get("/admin/limits?subject=" + t.keyId(), f.admin()).body()).getJsonArray("data");
    assertThat(stored.stream().map(JsonObject.class::cast).map(l -> l.getString("source") + ":" + l.getLong("cap")))
        .containsExactlyInAnyOrder("admin:20", "owner:1");
    assertThat(chat(t, CHAT_A, "routed").statusCode()).isEqualTo(200);
    assertThat(chat(t, CHAT_A, "routed").statusCode()).as("the owner's tighter cap applies").isEqualTo(429);

    setLimit("key", t.keyId(), "requests", "day", 30);
    HttpResponse<String> raised = f.post("/v1/limits", "{\"metric\":\"requests\",\"window\":\"day\",\"cap\":5}", t.bearer());
    assertThat(raised.statusCode()).as("an owner may raise its own cap, below the operator's").isEqualTo(201);
    stored = new JsonObject(f.get("/admin/limits?subject=" + t.keyId(), f.admin()).body()).getJsonArray("data");
    assertThat(stored.stream().map(JsonObject.class::cast).map(l -> l.getString("source") + ":" + l.getLong("cap")))
        .containsExactlyInAnyOrder("admin:30", "owner:5");
  }

  @Test
  void reportsSpendPerRouteAndBucketForADay() throws Exception {
    clock.set(Instant.parse("2026-06-10T04:00:00Z"));
    f.configureLimits("");
    Tenant t = Tenant.create(f, "spend-report");
    long routed = Long.parseLong(chat(t, CHAT_A, "routed").headers().firstValue("x-tollgate-cost").orElseThrow());
    long official = Long.parseLong(chat(t, CHAT_A, "official").headers().firstValue("x-tollgate-cost").orElseThrow());

    JsonObject report = new JsonObject(f.get("/admin/routes/spend?date=2026-06-10", f.admin()).body());

    JsonArray routes = report.getJsonArray("routes");
    assertThat(routes).hasSize(2);
    assertThat(Stream.of(routes.getJsonObject(0), routes.getJsonObject(1)).mapToLong(r -> r.getLong("spend_micros")).sum())
        .isEqualTo(routed + official);
    assertThat(report.getJsonObject("buckets").getLong("RMB")).isEqualTo(routed);
    assertThat(report.getJsonObject("buckets").getLong("CREDIT")).isEqualTo(official);
    assertThat(new JsonObject(f.get("/admin/routes/spend?date=2026-06-11", f.admin()).body()).getJsonArray("routes")).isEmpty();
    assertThat(report.getJsonArray("limits")).as("no route limit configured in this test").isEmpty();
    f.configureLimits("""
        limits:
          - {scope: route, model: chat-a, route_type: routed, metric: spend, bucket: RMB, window: day, cap: 5, per: operator}
          - {scope: route, model: chat-a, route_type: official, metric: requests, window: day, cap: 9, per: account}
        """);
    chat(t, CHAT_A, "routed");
    JsonArray limits = new JsonObject(f.get("/admin/routes/spend", f.admin()).body()).getJsonArray("limits");
    assertThat(limits).hasSize(2);
    JsonObject shared = limits.stream().map(JsonObject.class::cast).filter(l -> l.getBoolean("shared")).findFirst().orElseThrow();
    assertThat(shared.getLong("spent")).as("the shared cap counts the request made since it was set").isPositive();
    JsonObject perAccount = limits.stream().map(JsonObject.class::cast).filter(l -> !l.getBoolean("shared")).findFirst().orElseThrow();
    assertThat(perAccount.getLong("cap")).isEqualTo(9);
    assertThat(perAccount.containsKey("spent")).as("each account counts its own: no one figure to show").isFalse();
    chat(t, CHAT_A, "official");
    JsonArray all = new JsonObject(f.get("/admin/limits", f.admin()).body()).getJsonArray("data");
    assertThat(all.stream().map(JsonObject.class::cast).filter(l -> l.getLong("cap") == 9).findFirst().orElseThrow()
        .containsKey("spent")).as("not a count of 0 that is nobody's").isFalse();
    JsonArray mine = new JsonObject(f.get("/admin/limits?subject=" + t.accountId(), f.admin()).body()).getJsonArray("data");
    assertThat(mine.stream().map(JsonObject.class::cast).filter(l -> l.getLong("cap") == 9).findFirst().orElseThrow()
        .getLong("spent")).as("the account's own count of the per-account route limit").isEqualTo(1);
    assertThat(f.get("/admin/routes/spend?date=June", f.admin()).statusCode()).isEqualTo(400);
  }

  private static HttpResponse<String> chat(Tenant t, String body, String route) {
    return f.post("/v1/chat/completions", body, "authorization", "Bearer " + t.key(), "x-tollgate-route", route);
  }

  private static void setLimit(String scope, String subject, String metric, String window, long cap) {
    HttpResponse<String> set = f.post("/admin/limits", "{\"scope\":\"" + scope + "\",\"subject\":\"" + subject
        + "\",\"metric\":\"" + metric + "\",\"window\":\"" + window + "\",\"cap\":" + cap + "}", f.admin());
    assertThat(set.statusCode()).as(set.body()).isEqualTo(201);
  }

  private static void setSpendLimit(String keyId, String bucket, String cap) {
    HttpResponse<String> set = f.post("/admin/limits", "{\"scope\":\"key\",\"subject\":\"" + keyId
        + "\",\"metric\":\"spend\",\"bucket\":\"" + bucket + "\",\"window\":\"day\",\"cap\":\"" + cap + "\"}", f.admin());
    assertThat(set.statusCode()).as(set.body()).isEqualTo(201);
  }

  private static String code(HttpResponse<String> response) {
    return new JsonObject(response.body()).getJsonObject("error").getString("code");
  }

  private static JsonObject limit(Tenant t, String label) {
    JsonArray data = new JsonObject(f.get("/v1/limits", t.bearer()).body()).getJsonArray("data");
    return data.stream().map(JsonObject.class::cast).filter(l -> l.getString("label").equals(label)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + label + " in " + data.encode()));
  }

  private static long spent(Tenant t, String label) {
    return limit(t, label).getLong("spent");
  }

  private static String resetsAt(Tenant t, String label) {
    return limit(t, label).getString("resets_at");
  }
}
