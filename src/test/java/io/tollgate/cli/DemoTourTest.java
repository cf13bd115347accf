package io.tollgate.cli;

import static io.tollgate.cli.Cli.SECRET;
import static io.tollgate.cli.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.cli.Cli.Run;
import io.tollgate.json.Json;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * {@code tollgate demo tour}, run as a user would, against {@code serve --demo} and on a demo of its own. Each step's
 * outcome is checked against the gateway itself: the receipts, the limits and the usage report, and the ledger after.
 */
class DemoTourTest {
  private static final Pattern BASE_URL = ServeTest.BASE_URL;
  /** The receipt lines of steps 1 and 2, in order. */
  private static final Pattern ANSWERED = Pattern.compile("(?m)^ {4}   receipt (req_\\w+)$");
  private static final Pattern REFUSED = Pattern.compile("429 route_daily_spend_limit_reached, nothing charged; receipt (req_\\w+)");

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stopTheDemoAndRestoreTheTestLogging() {
    ServeCommand.stop();
    // the tour's own demo quiets the process's logging; the next test gets logback-test.xml back
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    try {
      new ContextInitializer(context).autoConfig();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private JsonNode get(String baseUrl, String key, String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(20))
        .header("authorization", "Bearer " + key).GET().build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return Json.MAPPER.readTree(response.body());
  }

  private static List<String> all(Pattern pattern, String text) {
    List<String> out = new ArrayList<>();
    Matcher m = pattern.matcher(text);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  private static String money(long micros, String currency) {
    return BigDecimal.valueOf(micros, 6).toPlainString() + " " + currency;
  }

  @Test
  void theTourShowsACostlierFallbackACapThatRefusesAndSpendPerRouteAsTheReceiptsSayIt() throws Exception {
    Run served = run("serve", "--demo", "--data", dir.toString(), "--port", "0");
    assertThat(served.code()).as(served.err()).isZero();
    String base = served.find(BASE_URL);
    String key = served.find(SECRET);
    assertThat(served.out()).contains("./tollgate demo tour --url " + base.replace("/v1", "") + " --key " + key);

    Run tour = run("demo", "tour", "--url", base, "--key", key);

    assertThat(tour.code()).as(tour.out() + tour.err()).isZero();
    assertThat(tour.out()).contains("Step 1 of 5", "Step 2 of 5", "Step 3 of 5", "Step 4 of 5", "Step 5 of 5")
        .doesNotContain("did not go as expected");
    assertThat(tour.out().lines().filter(l -> l.strip().startsWith("$ curl -s ")).count())
        .as("every request the tour made, as a curl command").isGreaterThanOrEqualTo(8);

    // steps 1 to 3: the primary served, then the backup did, on another upstream model, at a higher cost
    List<String> answered = all(ANSWERED, tour.out());
    assertThat(answered).hasSize(2);
    JsonNode primary = get(base, key, "/receipts/" + answered.get(0));
    JsonNode backup = get(base, key, "/receipts/" + answered.get(1));
    assertThat(primary.path("leg").asText()).isEqualTo("primary");
    assertThat(primary.path("fallback").asBoolean()).isFalse();
    assertThat(backup.path("route_type").asText()).isEqualTo("routed");
    assertThat(backup.path("fallback").asBoolean()).isTrue();
    assertThat(backup.path("leg").asText()).isEqualTo("backup-1");
    assertThat(backup.path("requested_model").asText()).isEqualTo("gpt-4o-mini");
    assertThat(backup.path("upstream_model").asText()).isEqualTo("gpt-4.1-mini");
    assertThat(backup.path("attempts").path(0).path("outcome").asText()).isEqualTo("http_5xx");
    // the same question; the answers differ by a token or so (each names its upstream model, counted by a tokenizer)
    assertThat(backup.path("usage").path("prompt_tokens")).isEqualTo(primary.path("usage").path("prompt_tokens"));
    assertThat(backup.path("bucket").asText()).isEqualTo(primary.path("bucket").asText()).isEqualTo("RMB");
    assertThat(backup.path("cost_micros").asLong()).as("the fallback cost more").isGreaterThan(primary.path("cost_micros").asLong());
    assertThat(tour.out()).contains(backup.path("fallback_reason").asText(), "gpt-4.1-mini",
        money(backup.path("cost_micros").asLong(), "CNY"), money(primary.path("cost_micros").asLong(), "CNY"));

    // step 4: the official route's daily cap refused, before any upstream call, charging nothing
    List<String> refusedIds = all(REFUSED, tour.out());
    assertThat(refusedIds).hasSize(1);
    JsonNode refused = get(base, key, "/receipts/" + refusedIds.get(0));
    assertThat(refused.path("http_status").asInt()).isEqualTo(429);
    assertThat(refused.path("route_type").asText()).isEqualTo("official");
    assertThat(refused.path("charged").asBoolean()).isFalse();
    refused.path("attempts").forEach(attempt -> assertThat(attempt.path("outcome").asText()).as("no upstream call")
        .startsWith("skipped_"));
    JsonNode officialCap = limit(get(base, key, "/limits"), "route", "official");
    assertThat(tour.out()).contains("cap " + money(officialCap.path("cap").asLong(), "USD"),
        "spent " + money(officialCap.path("spent").asLong(), "USD"), officialCap.path("resets_at").asText());

    // step 5: today's spend per route is what the receipts charged, and what the route limits counted
    Map<Route, Long> charged = new TreeMap<>();
    for (JsonNode receipt : get(base, key, "/receipts?limit=100").path("data")) {
      if (receipt.path("charged").asBoolean()) {
        charged.merge(new Route(receipt.path("route_type").asText(), receipt.path("bucket").asText()),
            receipt.path("charged_micros").asLong(), Long::sum);
      }
    }
    Route routed = new Route("routed", "RMB");
    Route official = new Route("official", "CREDIT");
    assertThat(charged).containsOnlyKeys(routed, official);
    assertThat(tour.out())
        .contains("gpt-4o-mini (routed): spent " + money(charged.get(routed), "CNY") + " from RMB in 2 charged requests")
        .contains("gpt-4o-mini (official): spent " + money(charged.get(official), "USD") + " from CREDIT");
    JsonNode limits = get(base, key, "/limits");
    assertThat(limit(limits, "route", "official").path("spent").asLong()).isEqualTo(charged.get(official));
    assertThat(limit(limits, "route", "routed").path("spent").asLong()).isEqualTo(charged.get(routed));
    assertThat(limit(limits, "route_key", "routed").path("spent").asLong()).isEqualTo(charged.get(routed));

    // the ledger holds, read beside the running demo
    Run verify = run("ledger", "verify", "--data", dir.toString());
    assertThat(verify.code()).as(verify.out()).isZero();
    assertThat(verify.out()).contains("all invariants hold");
  }

  @Test
  void theDemoShowsEveryLimitOfItsStoryWithItsResetTime() throws Exception {
    Run served = run("serve", "--demo", "--data", dir.toString(), "--port", "0");
    String base = served.find(BASE_URL);
    String key = served.find(SECRET);

    JsonNode limits = get(base, key, "/limits").path("data");

    List<String> shapes = new ArrayList<>();
    for (JsonNode limit : limits) {
      shapes.add(limit.path("scope").asText() + " " + limit.path("route_type").asText(limit.path("channel").asText())
          + " " + limit.path("metric").asText() + " " + limit.path("bucket").asText("-") + " " + limit.path("window").asText());
      assertThat(limit.path("resets_at").asText()).as(limit.toString()).isNotBlank();
    }
    assertThat(shapes).containsExactlyInAnyOrder(
        "route official spend CREDIT day",
        "route routed spend RMB day",
        "channel relay-west tokens - day",
        "route_key routed spend RMB day");
    assertThat(limit(get(base, key, "/limits"), "route", "official").path("cap").asLong()).isEqualTo(20_000L);
  }

  @Test
  void withoutAnAddressTheTourStartsADemoOfItsOwnAndChecksTheLedgerAfterItAgainTheSameDay() {
    Run first = run("demo", "tour", "--data", dir.toString());
    Run second = run("demo", "tour", "--data", dir.toString());

    assertThat(first.code()).as(first.out() + first.err()).isZero();
    assertThat(first.out()).contains("Started a demo for the tour", "ledger verify: all invariants hold");
    assertThat(second.code()).as(second.out() + second.err()).isZero();
    assertThat(second.out()).as("the cap used up by the first tour refuses at once")
        .contains("request 1: 429 route_daily_spend_limit_reached", "ledger verify: all invariants hold");
    assertThat(run("ledger", "verify", "--data", dir.toString()).code()).isZero();
    assertThat(run("limits", "list", "--data", dir.toString()).out().lines().filter(l -> l.contains("route_key")))
        .as("the revoked demo key's limit went with it").hasSize(1);
  }

  @Test
  void aKeyTheDemoDoesNotKnowStopsTheTourSayingWhichKeyToPass() {
    Run served = run("serve", "--demo", "--data", dir.toString(), "--port", "0");

    Run tour = run("demo", "tour", "--url", served.find(BASE_URL), "--key", "tg-not-the-demos");

    assertThat(tour.code()).isEqualTo(1);
    assertThat(tour.err()).startsWith("error: ").contains("refused the key", "--key").doesNotContain("\tat ");
  }

  @Test
  void withoutAnAddressTheTourLeavesTheDatabaseADemoServesAloneAndSaysToPassItsAddress() {
    run("serve", "--demo", "--data", dir.toString(), "--port", "0");

    Run tour = run("demo", "tour", "--data", dir.toString());

    assertThat(tour.code()).isEqualTo(1);
    assertThat(tour.err()).startsWith("error: ").contains("already open", "--url", "--key");
    assertThat(tour.out()).doesNotContain("Step 1");
  }

  @Test
  void anAddressThatIsNotOneIsRefusedBeforeAnyRequest() {
    Run tour = run("demo", "tour", "--url", "127.0.0.1:8080", "--key", "tg-x");

    assertThat(tour.code()).isEqualTo(1);
    assertThat(tour.err()).startsWith("error: --url: 127.0.0.1:8080 (expected: ");
  }

  /** A route of the tour's model and the bucket that paid on it. */
  private record Route(String routeType, String bucket) implements Comparable<Route> {
    @Override
    public int compareTo(Route other) {
      return (routeType + bucket).compareTo(other.routeType + other.bucket);
    }
  }

  /** The limit of {@code scope} on the tour model's route of {@code routeType}. */
  private static JsonNode limit(JsonNode limits, String scope, String routeType) {
    for (JsonNode limit : limits.path("data")) {
      if (limit.path("scope").asText().equals(scope) && limit.path("route_type").asText().equals(routeType)
          && limit.path("model").asText().equals("gpt-4o-mini")) {
        return limit;
      }
    }
    throw new AssertionError("no " + scope + " limit on gpt-4o-mini (" + routeType + ") in " + limits);
  }
}
