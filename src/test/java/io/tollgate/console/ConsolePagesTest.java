package io.tollgate.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What each console page shows, read over plain HTTP from a real gateway, beside what the JSON API says. */
class ConsolePagesTest {
  private static final String PASSWORD = "correct horse battery";
  private static final String CHAT_B = "{\"model\":\"chat-b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":20}";
  @TempDir
  Path dir;
  GatewayFixture f;
  Tenant alice;
  ConsoleHttp browser;

  @BeforeEach
  void start() throws Exception {
    f = GatewayFixture.start(dir);
    f.configureLimits("""
        limits:
          - {scope: route, model: chat-b, route_type: routed, metric: requests, window: day, cap: 10, per: account}
        """);
    alice = Tenant.create(f, "alice");
    ConsoleHttp.createMember(f, alice.accountId(), "alice@example.com", PASSWORD);
    browser = new ConsoleHttp(f);
    assertThat(browser.signIn("alice@example.com", PASSWORD).statusCode()).isEqualTo(303);
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  @Test
  void overviewShowsBalancesInTheirCurrenciesAndTheRouteLimitFillingUp() {
    String before = browser.get("/console/overview").body();
    assertThat(before).contains("1000.000000 CNY").contains("1000.000000 USD").contains("0 requests of 10 requests").contains("chat-b routed");

    alice.chatRouted(f, CHAT_B, "");
    alice.chatRouted(f, CHAT_B, "");

    String after = browser.get("/console/overview").body();
    assertThat(after).contains("2 requests of 10 requests").contains("aria-valuenow=\"20\"").contains("Resets at");
    assertThat(after).contains("<svg class=\"chart\"");
  }

  @Test
  void overviewShowsTheLimitsOfTheMembersOtherKeysNotOnlyTheSessions() {
    assertThat(f.post("/v1/limits", "{\"metric\":\"requests\",\"window\":\"day\",\"cap\":7}", alice.bearer()).statusCode())
        .isEqualTo(201);

    String overview = browser.get("/console/overview").body();

    assertThat(overview).as("alice's API key's own limit, though the console signs in with a session key")
        .contains("0 requests of 7 requests").contains("· key ");
  }

  @Test
  void aFallbacksReceiptOpensWithItsAttemptsAsATimeline() {
    HttpResponse<String> chat = alice.chatRouted(f, CHAT_B, "");
    String id = chat.headers().firstValue("x-tollgate-request-id").orElseThrow();
    JsonObject receipt = alice.receipt(f, chat);

    String list = browser.get("/console/usage").body();
    assertThat(list).contains(id).contains("backup-1 (fallback)");
    String detail = browser.get("/console/usage/" + id).body();
    assertThat(detail).contains("class=\"attempt failed\"").contains("connect_error").contains("class=\"attempt ok\"")
        .contains("up-b-backup").contains("<span class=\"fallback\">yes</span>")
        .contains(io.tollgate.ledger.Money.format(receipt.getLong("cost_micros"), io.tollgate.config.Bucket.RMB));
    assertThat(browser.get("/console/usage?model=chat-a").body()).doesNotContain(id);
    HttpResponse<String> csv = browser.get("/console/usage.csv?model=chat-b");
    assertThat(csv.headers().firstValue("content-type").orElseThrow()).startsWith("text/csv");
    assertThat(csv.body()).startsWith("id,created_at_ms").contains(id).contains(",CNY");
  }

  @Test
  void usageFiltersOnTheServerAndPagesOnWithANextLink() {
    String older = alice.chatRouted(f, CHAT_B, "").headers().firstValue("x-tollgate-request-id").orElseThrow();
    String chatA = alice.chatRouted(f, CHAT_B.replace("chat-b", "chat-a"), "").headers().firstValue("x-tollgate-request-id").orElseThrow();
    String newer = alice.chatRouted(f, CHAT_B, "").headers().firstValue("x-tollgate-request-id").orElseThrow();

    String first = browser.get("/console/usage?model=chat-b&limit=1").body();
    assertThat(first).contains(newer).doesNotContain(older).doesNotContain(chatA);
    String next = first.replaceAll("(?s).*<a href=\"(/console/usage\\?after=[^\"]+)\" rel=\"next\">.*", "$1").replace("&amp;", "&");
    assertThat(next).contains("model=chat-b").contains("limit=1");
    String second = browser.get(next).body();
    assertThat(second).contains(older).doesNotContain(newer).doesNotContain(chatA).contains("First page");
    assertThat(browser.get("/console/usage?key=" + alice.keyId() + "&route_type=routed").body()).contains(older, chatA, newer);

    HttpResponse<String> refused = browser.get("/console/usage?outcome=won");
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("&#39;outcome&#39;: won");
    assertThat(refused.body()).as("the filters stay on the page, to be corrected").contains("<form").contains("name=\"outcome\"");
    String report = browser.get("/console/usage").body();
    assertThat(report).as("amounts are formatted, so the heading names no unit").doesNotContain("charged micros");
    assertThat(report).as("outcomes chosen from a list, as route types are").contains("<select id=\"outcome\" name=\"outcome\">")
        .contains("<option value=\"client_disconnected\">");
    assertThat(report).as("no request for /favicon.ico, so no 404 in the browser's console").contains("<link rel=\"icon\" href=\"data:,\">");
  }

  @Test
  void aKeyIsShownOnceWithItsOwnLimitAndCanBeRevoked() {
    String csrf = browser.csrf();
    String created = browser.postForm("/console/keys", Map.of("csrf", csrf, "name", "ci-bot", "models", "chat-b",
        "route_types", "routed", "cap", "2.50", "bucket", "RMB")).body();
    String secret = created.replaceAll("(?s).*<code class=\"secret\" id=\"new-key\">([^<]+)</code>.*", "$1");
    assertThat(secret).startsWith("tg-");
    assertThat(browser.get("/console/keys").body()).contains("ci-bot").doesNotContain(secret);

    JsonObject limits = new JsonObject(f.get("/v1/limits", "authorization", "Bearer " + secret).body());
    assertThat(limits.getJsonArray("data").stream().map(l -> (JsonObject) l)
        .anyMatch(l -> "key".equals(l.getString("scope")) && l.getLong("cap") == 2_500_000L)).isTrue();
    assertThat(f.post("/v1/chat/completions", CHAT_B, "authorization", "Bearer " + secret).statusCode()).isEqualTo(200);

    String keyId = new JsonObject(f.get("/admin/keys?project_id=" + alice.projectId(), f.admin()).body()).getJsonArray("data")
        .stream().map(k -> (JsonObject) k).filter(k -> k.getString("name").equals("ci-bot")).findFirst().orElseThrow().getString("id");
    assertThat(browser.postForm("/console/keys/" + keyId + "/revoke", Map.of("csrf", csrf)).statusCode()).isEqualTo(303);
    assertThat(f.post("/v1/chat/completions", CHAT_B, "authorization", "Bearer " + secret).statusCode()).isEqualTo(401);
  }

  @Test
  void aKeyCreatedWithARequestCapShowsItAndIsRefusedPastIt() {
    String created = browser.postForm("/console/keys", Map.of("csrf", browser.csrf(), "name", "capped", "models", "",
        "route_types", "routed", "requests_day", "2", "tokens_month", "100000", "spend_month", "30", "bucket", "RMB")).body();
    String secret = created.replaceAll("(?s).*<code class=\"secret\" id=\"new-key\">([^<]+)</code>.*", "$1");
    assertThat(secret).startsWith("tg-");
    assertThat(created).contains("2 requests per day").contains("100000 tokens per month").contains("30.000000 CNY per month");

    String[] key = {"authorization", "Bearer " + secret, "x-tollgate-route", "routed"};
    assertThat(f.post("/v1/chat/completions", CHAT_B, key).statusCode()).isEqualTo(200);
    assertThat(f.post("/v1/chat/completions", CHAT_B, key).statusCode()).isEqualTo(200);
    HttpResponse<String> third = f.post("/v1/chat/completions", CHAT_B, key);
    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(third.body()).contains("key_daily_requests");
  }

  @Test
  void aBadLimitIsRefusedBeforeTheKeyIsCreated() {
    String refused = browser.postForm("/console/keys", Map.of("csrf", browser.csrf(), "name", "half-made",
        "route_types", "routed", "requests_day", "two")).body();
    assertThat(refused).contains("Requests per day: &#39;two&#39; (expected: a whole number, 0 or more)");
    assertThat(browser.get("/console/keys").body()).doesNotContain("half-made");
  }

  @Test
  void theWalletRedeemsACodeAndListsTheLedgerWithTheBalanceAfterEachEntry() {
    String code = new JsonObject(f.post("/admin/redeem-codes", "{\"bucket\":\"RMB\",\"amount\":\"1.5\"}", f.admin()).body())
        .getString("code");
    HttpResponse<String> redeemed = browser.postForm("/console/wallet/redeem", Map.of("csrf", browser.csrf(), "code", code));
    assertThat(redeemed.statusCode()).isEqualTo(303);
    String wallet = browser.get(redeemed.headers().firstValue("location").orElseThrow()).body();
    assertThat(wallet).contains("Code redeemed.").contains("1001.500000 CNY").contains("1.500000 CNY");
    assertThat(browser.get("/console/wallet.csv?bucket=RMB").body()).startsWith("seq,").contains("1500000");

    String again = browser.get(browser.postForm("/console/wallet/redeem", Map.of("csrf", browser.csrf(), "code", "tgr-nonsense"))
        .headers().firstValue("location").orElseThrow()).body();
    assertThat(again).contains("notice error");
  }

  @Test
  void theCatalogPreviewsARouteWithTheSameQuoteTheApiGives() {
    assertThat(browser.get("/console/catalog").body()).contains("href=\"/console/catalog/chat-b\"").contains("0.5 CNY");
    assertThat(browser.get("/console/catalog/chat-b").body()).contains("up-b").contains("up-b-backup");
    String quoted = browser.postForm("/console/catalog/quote", Map.of("csrf", browser.csrf(), "model", "chat-b",
        "route_type", "routed", "prompt", "Hello there", "max_tokens", "100")).body();
    assertThat(quoted).contains("id=\"quote\"").contains("up-b-backup").contains("<dd class=\"admitted\">yes, on primary")
        .contains("<option selected>chat-b</option>").contains("Hello there");
  }

  @Test
  void theOperatorTopsUpAnAccountAndReloadsAndVerifies() {
    ConsoleHttp operator = new ConsoleHttp(f);
    operator.signInAsOperator(f.adminToken);
    String csrf = ConsoleHttp.csrfOf(operator.get("/console/ops/accounts").body());
    HttpResponse<String> topUp = operator.postForm("/console/ops/accounts/" + alice.accountId() + "/topup",
        Map.of("csrf", csrf, "amount", "25", "bucket", "RMB"));
    assertThat(operator.get(topUp.headers().firstValue("location").orElseThrow()).body()).contains("Topped up.").contains("1025.000000 CNY");
    assertThat(new JsonObject(f.get("/v1/wallet", alice.bearer()).body()).encode()).contains("1025000000");

    assertThat(operator.postForm("/console/ops/ledger", Map.of("csrf", csrf)).body()).contains("The ledger verifies");
    assertThat(operator.postForm("/console/ops/config", Map.of("csrf", csrf)).body()).contains("Reloaded:");
    assertThat(operator.get("/console/ops/routes").statusCode()).isEqualTo(200);
  }

  @Test
  void routeSpendShowsTheDaysSpendInItsCurrencyBesideTheRouteLimits() throws Exception {
    f.configureLimits("""
        limits:
          - {scope: route, model: chat-b, route_type: routed, metric: requests, window: day, cap: 10, per: account}
          - {scope: route, model: chat-b, route_type: routed, metric: spend, bucket: RMB, window: day, cap: 5, per: operator}
        """);
    alice.chatRouted(f, CHAT_B, "");
    ConsoleHttp operator = new ConsoleHttp(f);
    operator.signInAsOperator(f.adminToken);

    String page = operator.get("/console/ops/routes").body();

    assertThat(page).contains("<td>chat-b</td>").contains(" CNY</td>").doesNotContain("spend micros");
    assertThat(page).as("the shared cap fills; the per-account one states its cap")
        .contains("route_daily_spend · chat-b routed").contains("all accounts together").contains("of 5.000000 CNY")
        .contains("route_daily_requests · chat-b routed").contains("cap 10 requests for each account");
  }

  @Test
  void aResearchRunIsQuotedWithItsWarningsConfirmedAndReportedWithItsReceipts() {
    String csrf = browser.csrf();
    String quoted = browser.postForm("/console/research/quote", Map.of("csrf", csrf, "symbol", "ACME", "mode", "quick")).body();
    assertThat(quoted).contains("Before it runs").contains("bundled sample set").contains("CNY").contains("Confirm and run");
    assertThat(quoted).as("read as a person reads it, not as the API's fields")
        .contains("At most (every fallback").contains("Admitted now").contains(" expected<br>")
        .contains("class=\"table-scroll\"").containsPattern("About \\d+ (s|min)")
        .doesNotContain("worst ms").doesNotContain("min micros").doesNotContain("max_micros");
    String quoteId = quoted.replaceAll("(?s).*name=\"quote_id\" value=\"([^\"]+)\".*", "$1");

    HttpResponse<String> started = browser.postForm("/console/research/runs", Map.of("csrf", csrf, "quote_id", quoteId));
    String location = started.headers().firstValue("location").orElseThrow();
    assertThat(location).startsWith("/console/research/runs/run_");
    String runId = location.substring(location.lastIndexOf('/') + 1);
    // the progress stream, passed through by the console for the page's script, ends when the run does
    HttpResponse<String> events = browser.get(location + "/events");
    assertThat(events.statusCode()).isEqualTo(200);
    assertThat(events.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
    assertThat(events.body()).contains("data: {\"type\":\"section.succeeded\"").contains("\"type\":\"run.ended\"");

    String run = browser.get(location).body();
    assertThat(run).doesNotContain("http-equiv=\"refresh\"").contains("overview").contains("risks").contains("<h2>Report</h2>")
        .contains("/console/usage/req_").contains(" CNY");
    assertThat(browser.postForm("/console/research/runs", Map.of("csrf", csrf, "quote_id", quoteId))
        .headers().firstValue("location").orElseThrow()).startsWith("/console/research?error=");
  }
}
