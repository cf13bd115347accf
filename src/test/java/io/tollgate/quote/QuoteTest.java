package io.tollgate.quote;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.auth.KeyScope;
import io.tollgate.config.RouteType;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.tollgate.testing.Wallets;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A quote tells before anything runs: route, legs, buckets, cost range, limits, admission and warnings. */
class QuoteTest {
  private static final String OFFICIAL = "{\"model\":\"chat-a\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"quote me\"}]}";

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

  @BeforeEach
  void reset() {
    f.upstream.resetCounts();
  }

  @ParameterizedTest(name = "{0} stream={1}")
  @CsvSource({
      "'', false", "'', true",
      "'status=503,when_model=up-a', false", "'status=503,when_model=up-a', true",
      "'timeout=true,when_model=up-a', false", "'malformed=true,when_model=up-a', false",
      "'no_usage=true', false", "'no_usage=true', true", "'drop_after=3', true",
      "'tokens=50', false", "'tokens=50,status=429,when_model=up-a', true"})
  void theQuotedMaximumBoundsTheRealCostInEveryFallbackCase(String mock, boolean stream) {
    String body = stream ? OFFICIAL.replace("{\"model\"", "{\"stream\":true,\"model\"") : OFFICIAL;
    JsonObject quote = quote(body, f.bearer(), "x-tollgate-route", "official");
    long max = quote.getJsonObject("cost").getLong("max_micros");

    HttpResponse<String> real = mock.isEmpty()
        ? f.chat(body, "x-tollgate-route", "official")
        : f.chat(body, "x-tollgate-route", "official", "x-mock", mock);

    JsonObject receipt = new JsonObject(f.get("/admin/receipts/" + real.headers().firstValue("x-tollgate-request-id").orElseThrow(),
        f.admin()).body());
    assertThat(receipt.getLong("charged_micros")).isLessThanOrEqualTo(max);
    if (receipt.getLong("cost_micros") != null) {
      assertThat(receipt.getLong("cost_micros")).isLessThanOrEqualTo(max);
    }
    assertThat(quote.getJsonObject("cost").getLong("min_micros")).isLessThanOrEqualTo(quote.getJsonObject("cost").getLong("expected_micros"));
    assertThat(quote.getJsonObject("cost").getLong("expected_micros")).isLessThanOrEqualTo(max);
  }

  @Test
  void describesTheRouteLegsPricesAndHealth() {
    JsonObject quote = quote(OFFICIAL, f.bearer(), "x-tollgate-route", "official");

    assertThat(quote.getString("route_type")).isEqualTo("official");
    assertThat(quote.getJsonArray("alternatives")).containsExactly("routed");
    JsonArray legs = quote.getJsonArray("legs");
    assertThat(legs).hasSize(2);
    assertThat(legs.getJsonObject(0).getString("upstream_model")).isEqualTo("up-a");
    assertThat(legs.getJsonObject(0).getString("channel")).isEqualTo("main");
    assertThat(legs.getJsonObject(0).getJsonObject("price").getLong("input_micros_per_mtok")).isEqualTo(1_000_000L);
    assertThat(legs.getJsonObject(1).getJsonObject("price").getLong("input_micros_per_mtok")).isEqualTo(2_000_000L);
    assertThat(quote.getJsonObject("cost").getLong("max_micros")).isEqualTo(legs.getJsonObject(1).getLong("max_cost_micros"));
    assertThat(quote.getJsonObject("cost").getString("bucket")).isEqualTo("CREDIT");
    assertThat(quote.getJsonObject("tokens").getString("prompt_source")).isEqualTo("counted");
    assertThat(quote.getBoolean("would_be_admitted")).isTrue();
    assertThat(quote.getJsonObject("health").getString("state")).isEqualTo("closed");
  }

  @Test
  void wouldBeAdmittedMatchesTheRealRequestAtALimitsEdge() {
    Tenant t = Tenant.create(f, "edge");
    assertThat(f.post("/admin/limits", "{\"scope\":\"key\",\"subject\":\"" + t.keyId()
        + "\",\"metric\":\"requests\",\"window\":\"day\",\"cap\":2}", f.admin()).statusCode()).isEqualTo(201);
    assertThat(f.post("/v1/chat/completions", OFFICIAL, t.bearer()).statusCode()).isEqualTo(200);

    JsonObject lastOne = quote(OFFICIAL, t.bearer());
    assertThat(lastOne.getBoolean("would_be_admitted")).isTrue();
    assertThat(codes(lastOne)).contains("limit_would_be_exhausted");
    assertThat(f.post("/v1/chat/completions", OFFICIAL, t.bearer()).statusCode()).isEqualTo(200);

    JsonObject refused = quote(OFFICIAL, t.bearer());
    HttpResponse<String> real = f.post("/v1/chat/completions", OFFICIAL, t.bearer());
    assertThat(refused.getBoolean("would_be_admitted")).isFalse();
    assertThat(refused.getJsonObject("refusal").getInteger("status")).isEqualTo(real.statusCode()).isEqualTo(429);
    assertThat(refused.getJsonObject("refusal").getString("code"))
        .isEqualTo(new JsonObject(real.body()).getJsonObject("error").getString("code")).isEqualTo("key_daily_requests_limit_reached");
    assertThat(codes(refused)).contains("limit_reached").doesNotContain("limit_would_be_exhausted");
  }

  @Test
  void wouldBeAdmittedMatchesTheRealRequestWhenTheBalanceIsShort() {
    Tenant poor = poorTenant("0.000050");

    JsonObject quote = quote(OFFICIAL, poor.bearer());
    HttpResponse<String> real = f.post("/v1/chat/completions", OFFICIAL, poor.bearer());

    assertThat(quote.getBoolean("would_be_admitted")).isFalse();
    assertThat(quote.getJsonObject("refusal").getString("code")).isEqualTo("insufficient_balance");
    assertThat(real.statusCode()).isEqualTo(402);
  }

  @Test
  void warnsOfACostlierBackupOnlyWhenThereIsOne() {
    JsonObject official = quote(OFFICIAL, f.bearer(), "x-tollgate-route", "official");
    JsonObject routed = quote(OFFICIAL, f.bearer(), "x-tollgate-route", "routed");

    assertThat(codes(official)).contains("backup_costlier");
    assertThat(message(official, "backup_costlier")).contains("backup-1").contains("x the primary");
    assertThat(codes(routed)).doesNotContain("backup_costlier");
  }

  @Test
  void warnsOfABucketChangeOnlyWhenTheFallbackMayMakeIt() {
    String body = "{\"model\":\"pol\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    String relaxed = f.newKey(new KeyScope(List.of(), List.of(RouteType.OFFICIAL), true));
    String careful = f.newKey(new KeyScope(List.of(), List.of(RouteType.OFFICIAL), false));

    JsonObject may = quote(body, new String[] {"authorization", "Bearer " + relaxed});
    JsonObject mayNot = quote(body, new String[] {"authorization", "Bearer " + careful});

    assertThat(codes(may)).contains("bucket_change_on_fallback");
    assertThat(codes(mayNot)).doesNotContain("bucket_change_on_fallback");
    assertThat(mayNot.getJsonArray("legs").getJsonObject(1).getString("skip_reason")).isEqualTo("skipped_bucket_change");
    assertThat(may.getJsonObject("cost").getJsonObject("max_micros_by_bucket").fieldNames()).containsExactlyInAnyOrder("CREDIT", "RMB");
  }

  @Test
  void warnsOfACostlierBackupOnlyAgainstAPrimaryOfTheSameBucket() {
    // pol official: primary 1/2 USD; backup-1 pays RMB at 7/14 CNY (larger numbers, another currency); backup-2 5/10 USD
    String body = "{\"model\":\"pol\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    String relaxed = f.newKey(new KeyScope(List.of(), List.of(RouteType.OFFICIAL), true));

    JsonObject quote = quote(body, new String[] {"authorization", "Bearer " + relaxed});

    assertThat(quote.getJsonArray("legs").getJsonObject(1).getBoolean("usable")).isTrue();
    List<String> costlier = quote.getJsonArray("warnings").stream().map(w -> (JsonObject) w)
        .filter(w -> w.getString("code").equals("backup_costlier")).map(w -> w.getString("message")).toList();
    assertThat(costlier).hasSize(1);
    assertThat(costlier.get(0)).startsWith("backup-2 (up-pol-off-costly");
    assertThat(message(quote, "bucket_change_on_fallback")).contains("backup-1");
  }

  @Test
  void warnsOfALowBalanceOnlyWhenFewSuchRequestsRemain() {
    Tenant poor = poorTenant("0.020000");

    JsonObject low = quote(OFFICIAL, poor.bearer());
    JsonObject plenty = quote(OFFICIAL, f.bearer());

    assertThat(codes(low)).contains("low_balance");
    assertThat(low.getJsonObject("balance").getLong("covers_requests_at_max")).isLessThan(100);
    assertThat(message(low, "low_balance")).contains("covers " + low.getJsonObject("balance").getLong("covers_requests_at_max"));
    assertThat(codes(plenty)).doesNotContain("low_balance").doesNotContain("limit_would_be_exhausted");
  }

  @Test
  void quotingWritesNothingAndCallsNoUpstreamAndADryRunAnswersWithTheQuote() {
    long receipts = Wallets.count(f.store, "SELECT COUNT(*) FROM receipts");
    long holds = Wallets.count(f.store, "SELECT COUNT(*) FROM holds");
    long entries = Wallets.count(f.store, "SELECT COUNT(*) FROM entries");

    quote(OFFICIAL, f.bearer());
    HttpResponse<String> dryRun = f.chat(OFFICIAL, "x-tollgate-dry-run", "true");
    quote("{\"model\":\"chat-a\",\"prompt_tokens\":1000,\"max_tokens\":100}", f.bearer());

    assertThat(dryRun.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(dryRun.body()).getString("object")).isEqualTo("quote");
    assertThat(f.upstream.requestCount()).isZero();
    assertThat(Wallets.count(f.store, "SELECT COUNT(*) FROM receipts")).isEqualTo(receipts);
    assertThat(Wallets.count(f.store, "SELECT COUNT(*) FROM holds")).isEqualTo(holds);
    assertThat(Wallets.count(f.store, "SELECT COUNT(*) FROM entries")).isEqualTo(entries);
  }

  private static String[] withDryRun() {
    return new String[] {"authorization", "Bearer " + f.key, "x-tollgate-dry-run", "true"};
  }

  @Test
  void aDryRunHeaderItCannotHonourIsRefusedNeverRunAndCharged() {
    // the real request first: it is refused with a receipt of its own, which the counts below leave out
    String chatOnEmbeddings = "{\"model\":\"chat-a\",\"input\":[\"hello\"]}";
    HttpResponse<String> real = f.post("/v1/embeddings", chatOnEmbeddings, f.bearer());
    long receipts = Wallets.count(f.store, "SELECT COUNT(*) FROM receipts");
    long entries = Wallets.count(f.store, "SELECT COUNT(*) FROM entries");
    String embed = "{\"model\":\"embed-a\",\"input\":[\"hello world\",\"foo\"]}";

    HttpResponse<String> yes = f.chat(OFFICIAL, "x-tollgate-dry-run", "yes");
    HttpResponse<String> one = f.chat(OFFICIAL, "x-tollgate-dry-run", "1");
    HttpResponse<String> embedding = f.post("/v1/embeddings", embed, withDryRun());
    HttpResponse<String> messages = f.post("/v1/messages",
        "{\"model\":\"chat-a\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        withDryRun());

    for (HttpResponse<String> refused : List.of(yes, one)) {
      assertThat(refused.statusCode()).isEqualTo(400);
      assertThat(new JsonObject(refused.body()).getJsonObject("error").getString("param")).isEqualTo("x-tollgate-dry-run");
    }
    assertThat(embedding.statusCode()).as(embedding.body()).isEqualTo(200);
    assertThat(new JsonObject(embedding.body()).getString("object")).as("an embeddings request's quote").isEqualTo("quote");
    assertThat(messages.statusCode()).isEqualTo(400);
    assertThat(messages.body()).contains("POST /v1/quote");
    HttpResponse<String> dry = f.post("/v1/embeddings", chatOnEmbeddings, withDryRun());
    assertThat(dry.statusCode()).as("a dry run is judged as its endpoint judges the request").isEqualTo(real.statusCode())
        .isEqualTo(400);
    HttpResponse<String> twice = f.post("/v1/chat/completions", OFFICIAL, "authorization", "Bearer " + f.key,
        "x-tollgate-dry-run", "false", "x-tollgate-dry-run", "true");
    assertThat(twice.statusCode()).as("false then true: neither run nor quoted").isEqualTo(400);
    assertThat(f.upstream.requestCount()).isZero();
    assertThat(Wallets.count(f.store, "SELECT COUNT(*) FROM entries")).isEqualTo(entries);
    assertThat(Wallets.count(f.store, "SELECT COUNT(*) FROM receipts")).isEqualTo(receipts);
  }

  @Test
  void theExpectedCostFollowsWhatWasMeasuredForTheModel() {
    String solo = "{\"model\":\"solo\",\"max_tokens\":400,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    JsonObject before = quote(solo, f.bearer());
    assertThat(before.getJsonObject("cost").getString("expected_basis")).contains("no request to solo measured yet");
    assertThat(before.getJsonObject("tokens").getLong("expected_output")).isEqualTo(200L);

    for (int i = 0; i < 3; i++) {
      f.chat(solo, "x-mock", "tokens=10");
    }
    JsonObject after = quote(solo, f.bearer());

    assertThat(after.getJsonObject("tokens").getLong("expected_output")).isEqualTo(10L);
    assertThat(after.getJsonObject("cost").getString("expected_basis")).contains("last 3 measured requests");
    assertThat(after.getJsonObject("cost").getLong("expected_micros")).isLessThan(before.getJsonObject("cost").getLong("expected_micros"));
  }

  @Test
  void whatWasMeasuredSurvivesARestart() throws Exception {
    String lone = "{\"model\":\"chat-b\",\"max_tokens\":300,\"messages\":[{\"role\":\"user\",\"content\":\"again\"}]}";
    for (int i = 0; i < 2; i++) {
      f.chat(lone, "x-mock", "tokens=12");
    }
    long learnt = quote(lone, f.bearer()).getJsonObject("tokens").getLong("expected_output");

    f.restart();

    JsonObject after = quote(lone, f.bearer());
    assertThat(after.getJsonObject("cost").getString("expected_basis")).contains("measured requests to chat-b");
    assertThat(after.getJsonObject("tokens").getLong("expected_output")).isEqualTo(learnt).isLessThan(150L);
  }

  @Test
  void refusesABadQuoteRequestLikeABadRequest() {
    assertThat(f.post("/v1/quote", "{\"model\":\"chat-a\"}", f.bearer()).statusCode()).isEqualTo(400);
    assertThat(f.post("/v1/quote", "{\"model\":\"nope\",\"prompt_tokens\":3}", f.bearer()).statusCode()).isEqualTo(404);
    assertThat(f.post("/v1/quote", OFFICIAL).statusCode()).isEqualTo(401);
    JsonObject missing = new JsonObject(f.post("/v1/quote", "{\"model\":\"chat-a\",\"max_tokens\":10}", f.bearer()).body());
    JsonObject negative = new JsonObject(f.post("/v1/quote", "{\"model\":\"chat-a\",\"prompt_tokens\":-100,\"max_tokens\":10}",
        f.bearer()).body());
    JsonObject text = new JsonObject(f.post("/v1/quote", "{\"model\":\"chat-a\",\"prompt_tokens\":\"5\",\"max_tokens\":10}",
        f.bearer()).body());
    assertThat(missing.getJsonObject("error").getString("code")).isEqualTo("missing_required_parameter");
    assertThat(negative.getJsonObject("error").getString("code")).as("given, but below 0").isEqualTo("invalid_value");
    assertThat(text.getJsonObject("error").getString("code")).as("given, as a string").isEqualTo("invalid_type");
    assertThat(text.getJsonObject("error").getString("param")).isEqualTo("prompt_tokens");
  }

  @Test
  void theCatalogListsWhatTheKeyMayUseWithReadablePrices() {
    JsonObject catalog = new JsonObject(f.get("/v1/catalog", f.bearer()).body());

    JsonObject chatA = catalog.getJsonArray("models").stream().map(JsonObject.class::cast)
        .filter(m -> m.getString("id").equals("chat-a")).findFirst().orElseThrow();
    assertThat(chatA.getLong("context_window")).isEqualTo(32000L);
    JsonObject routed = chatA.getJsonArray("routes").getJsonObject(0);
    assertThat(routed.getString("route_type")).isEqualTo("routed");
    assertThat(routed.getString("bucket")).isEqualTo("RMB");
    assertThat(routed.getJsonObject("price_per_million_tokens").getString("input")).isEqualTo("3 CNY");
    assertThat(routed.getJsonObject("health").getString("state")).isNotBlank();
  }

  @Test
  void checksEachEmbeddingsInputAgainstTheContextWindowAsTheRequestDoes() {
    String fits = "[" + "7,".repeat(2_999) + "7]";
    String over = "[" + "7,".repeat(8_192) + "7]";

    JsonObject quote = quote("{\"model\":\"embed-a\",\"input\":[" + fits + "," + fits + "," + fits + "]}", f.bearer());
    HttpResponse<String> refused = f.post("/v1/quote", "{\"model\":\"embed-a\",\"input\":[\"a\"," + over + "]}", f.bearer());

    assertThat(quote.getJsonObject("tokens").getLong("prompt")).isEqualTo(9_000L);
    assertThat(refused.statusCode()).isEqualTo(400);
    JsonObject error = new JsonObject(refused.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("context_length_exceeded");
    assertThat(error.getString("param")).isEqualTo("input[1]");
    assertThat(f.upstream.requestCount()).isZero();
  }

  private static Tenant poorTenant(String rmb) {
    return Tenant.funded(f, "poor", rmb, rmb);
  }


  private static JsonObject quote(String body, String[] auth, String... headers) {
    String[] all = new String[auth.length + headers.length];
    System.arraycopy(auth, 0, all, 0, auth.length);
    System.arraycopy(headers, 0, all, auth.length, headers.length);
    HttpResponse<String> response = f.post("/v1/quote", body, all);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new JsonObject(response.body());
  }

  private static List<String> codes(JsonObject quote) {
    return quote.getJsonArray("warnings").stream().map(w -> ((JsonObject) w).getString("code")).toList();
  }

  private static String message(JsonObject quote, String code) {
    return quote.getJsonArray("warnings").stream().map(JsonObject.class::cast).filter(w -> w.getString("code").equals(code))
        .findFirst().orElseThrow().getString("message");
  }
}
