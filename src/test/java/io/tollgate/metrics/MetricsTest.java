package io.tollgate.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /admin/metrics}: Prometheus text for the admin token only, named by route patterns, never by ids. */
class MetricsTest {
  private static final String CHAT = "{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

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

  private static double value(String scrape, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
    assertThat(m.find()).as("series %s in%n%s", series, scrape).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private static String scrape() {
    HttpResponse<String> scraped = f.get("/admin/metrics", f.admin());
    assertThat(scraped.statusCode()).isEqualTo(200);
    assertThat(scraped.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    return scraped.body();
  }

  @Test
  void attemptsFallbacksBreakersRefusalsAndTokensAreSeries() {
    f.chat(CHAT, "x-tollgate-route", "official", "x-mock", "status=503,when_model=up-a");
    io.tollgate.testing.Tenant t = io.tollgate.testing.Tenant.create(f, "metrics-refused");
    f.post("/admin/limits", "{\"scope\":\"key\",\"subject\":\"" + t.keyId()
        + "\",\"metric\":\"requests\",\"window\":\"day\",\"cap\":0}", f.admin());
    f.post("/v1/chat/completions", CHAT, "authorization", "Bearer " + t.key());

    String scrape = scrape();

    assertThat(value(scrape, "tollgate_upstream_attempts_total{channel=\"main\",outcome=\"http_5xx\"}")).isGreaterThanOrEqualTo(1);
    assertThat(value(scrape, "tollgate_upstream_attempts_total{channel=\"spare\",outcome=\"ok\"}")).isGreaterThanOrEqualTo(1);
    assertThat(value(scrape, "tollgate_fallbacks_total{model=\"chat-a\",route_type=\"official\"}")).isGreaterThanOrEqualTo(1);
    assertThat(value(scrape, "tollgate_channel_breaker_state{channel=\"main\"}")).isZero();
    assertThat(value(scrape, "tollgate_limit_refusals_total{limit=\"key_daily_requests\"}")).isGreaterThanOrEqualTo(1);
    assertThat(value(scrape, "tollgate_tokens_total{kind=\"completion\",model=\"chat-a\",route_type=\"official\"}")).isPositive();
  }

  @Test
  void onlyTheAdminTokenReadsMetrics() {
    HttpResponse<String> anonymous = f.get("/admin/metrics");
    HttpResponse<String> withApiKey = f.get("/admin/metrics", f.bearer());

    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(anonymous.body()).getJsonObject("error").getString("message")).isNotBlank();
    assertThat(withApiKey.statusCode()).isEqualTo(401);
    assertThat(scrape()).contains("jvm_memory_used_bytes", "process_uptime_seconds");
  }

  @Test
  void requestsAreCountedByRoutePatternAndStatusWithoutIdsOrSecrets() {
    HttpResponse<String> served = f.chat(CHAT, f.bearer());
    assertThat(served.statusCode()).isEqualTo(200);
    String requestId = served.headers().firstValue("x-tollgate-request-id").orElseThrow();
    assertThat(f.get("/v1/receipts/" + requestId, f.bearer()).statusCode()).isEqualTo(200);
    assertThat(f.chat("{\"model\":\"no-such-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", f.bearer())
        .statusCode()).isEqualTo(404);
    assertThat(f.get("/v1/nothing-here", f.bearer()).statusCode()).isEqualTo(404);

    String scrape = scrape();

    assertThat(value(scrape, "tollgate_http_server_requests_seconds_count{method=\"POST\",route=\"/v1/chat/completions\",status=\"200\"}"))
        .isGreaterThanOrEqualTo(1);
    assertThat(value(scrape, "tollgate_http_server_requests_seconds_count{method=\"POST\",route=\"/v1/chat/completions\",status=\"404\"}"))
        .isGreaterThanOrEqualTo(1);
    assertThat(value(scrape, "tollgate_http_server_requests_seconds_count{method=\"GET\",route=\"/v1/receipts/:id\",status=\"200\"}"))
        .isGreaterThanOrEqualTo(1);
    assertThat(value(scrape, "tollgate_http_server_requests_seconds_count{method=\"GET\",route=\"unmatched\",status=\"404\"}"))
        .isGreaterThanOrEqualTo(1);
    assertThat(value(scrape, "tollgate_http_server_requests_seconds_bucket{method=\"POST\",route=\"/v1/chat/completions\",status=\"200\",le=\"300.0\"}"))
        .as("histogram buckets, for percentiles").isGreaterThanOrEqualTo(1);
    assertThat(scrape).doesNotContain(requestId, f.key, f.adminToken, "nothing-here", f.project.id());
  }

  @Test
  void whatAClientInventsCannotMultiplySeries() throws Exception {
    java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
    for (int i = 0; i < 5; i++) {
      java.net.http.HttpResponse<String> invented = client.send(java.net.http.HttpRequest.newBuilder(
              java.net.URI.create(f.url("/v1/models"))).method("ZZMETHOD" + i, java.net.http.HttpRequest.BodyPublishers.noBody())
          .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(invented.statusCode()).isGreaterThanOrEqualTo(400);
    }
    assertThat(f.get("/v1//models", f.bearer()).statusCode()).isEqualTo(200);

    String scrape = scrape();

    assertThat(scrape).doesNotContain("ZZMETHOD");
    assertThat(value(scrape, "tollgate_http_server_requests_seconds_count{method=\"OTHER\",route=\"/v1/models\",status=\"405\"}"))
        .as("five invented methods, one series").isGreaterThanOrEqualTo(5);
    assertThat(value(scrape, "tollgate_http_server_requests_seconds_count{method=\"GET\",route=\"/v1/models\",status=\"200\"}"))
        .as("a path the router normalizes is named by the route that served it").isGreaterThanOrEqualTo(1);
  }

  private static final String CHAT_SERIES =
      "tollgate_http_server_requests_seconds_sum{method=\"POST\",route=\"/v1/chat/completions\",status=\"200\"}";
  private static final String OVERHEAD =
      "tollgate_proxy_overhead_seconds_%s{accounting=\"on\",endpoint=\"chat.completions\",stream=\"%s\"}";

  private static double valueOrZero(String scrape, String series) {
    return scrape.contains(series + " ") ? value(scrape, series) : 0;
  }

  @Test
  void whatTheGatewayAddsIsTheRequestsTimeWithoutItsUpstreamTime() {
    String before = scrape();
    String overheadSum = OVERHEAD.formatted("sum", "false");
    String overheadCount = OVERHEAD.formatted("count", "false");

    HttpResponse<String> slow = f.chat(CHAT, f.bearer()[0], f.bearer()[1], "x-mock", "latency_ms=300");
    assertThat(slow.statusCode()).isEqualTo(200);
    String after = scrape();

    double total = value(after, CHAT_SERIES) - valueOrZero(before, CHAT_SERIES);
    double overhead = value(after, overheadSum) - valueOrZero(before, overheadSum);
    assertThat(value(after, overheadCount) - valueOrZero(before, overheadCount)).isEqualTo(1);
    assertThat(total).as("the request waited on its upstream").isGreaterThanOrEqualTo(0.3);
    assertThat(overhead).as("the upstream's 300 ms are not the gateway's").isPositive().isLessThanOrEqualTo(total - 0.3);
  }

  @Test
  void streamsAndRefusalsAreToldApart() {
    String streamCount = OVERHEAD.formatted("count", "true");
    String plainCount = OVERHEAD.formatted("count", "false");
    String before = scrape();

    HttpResponse<String> streamed = f.chat("{\"model\":\"chat-a\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        f.bearer());
    assertThat(streamed.statusCode()).isEqualTo(200);
    assertThat(f.chat("{\"model\":\"chat-a\"}", f.bearer()).statusCode()).as("refused before any upstream").isEqualTo(400);
    String after = scrape();

    assertThat(value(after, streamCount) - valueOrZero(before, streamCount)).isEqualTo(1);
    assertThat(valueOrZero(after, plainCount)).as("a refused request reached no upstream: nothing added to measure")
        .isEqualTo(valueOrZero(before, plainCount));
  }

  @Test
  void theStoreWritersGroupCommitIsVisible() {
    String before = scrape();
    double commits = value(before, "tollgate_store_commits_total");
    double tasks = value(before, "tollgate_store_committed_tasks_total");

    assertThat(f.chat(CHAT, f.bearer()).statusCode()).isEqualTo(200);
    String after = scrape();

    // a served request commits its hold, then its charge with the receipt
    assertThat(value(after, "tollgate_store_committed_tasks_total") - tasks).isGreaterThanOrEqualTo(2);
    assertThat(value(after, "tollgate_store_commits_total")).isGreaterThan(commits);
    assertThat(value(after, "tollgate_store_committed_tasks_total")).isGreaterThanOrEqualTo(value(after, "tollgate_store_commits_total"));
  }

  @Test
  void theJournalsProjectionLagIsVisibleAndCatchesUpBeforeARead() {
    assertThat(f.chat(CHAT, f.bearer()).statusCode()).isEqualTo(200);
    String scraped = scrape();

    // the scrape itself reads nothing from the database; the lag is a handful of events at most
    assertThat(value(scraped, "tollgate_journal_unprojected_events")).isBetween(0.0, 256.0);
    f.get("/v1/wallet", f.bearer());
    assertThat(value(scrape(), "tollgate_journal_unprojected_events")).as("a read brings the projections up to date")
        .isZero();
  }
}
