package io.tollgate.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.auth.KeyScope;
import io.tollgate.auth.Keys;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * A walk through every endpoint of a running gateway, the way an operator and a client would use them: successes
 * and the errors each one documents. Each call is kept with the route template it was made on, so its real answer
 * can be checked against what {@code /openapi.json} says that route answers.
 */
final class ApiTour {
  /** One call and its real answer. {@code requestBody} is null for a call without a body. */
  record Exchange(String method, String template, String path, String requestBody, HttpResponse<String> response) {
    int status() {
      return response.statusCode();
    }

    String contentType() {
      String type = response.headers().firstValue("content-type").orElse("");
      int semicolon = type.indexOf(';');
      return (semicolon < 0 ? type : type.substring(0, semicolon)).trim();
    }

    @Override
    public String toString() {
      return method + " " + path + " -> " + status();
    }
  }

  private static final String CHAT = "{\"model\":\"chat-a\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  private static final String STREAM = "{\"model\":\"chat-a\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
      + "\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  /** The time zone of the test configuration (gateway-test.yaml). */
  private static final ZoneId ZONE = ZoneId.of("Asia/Shanghai");

  private final GatewayFixture f;
  private final List<Exchange> made = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private ApiTour(GatewayFixture f) {
    this.f = f;
  }

  /** Makes every call of the tour against {@code f} and returns them in order. */
  static List<Exchange> run(GatewayFixture f) {
    ApiTour tour = new ApiTour(f);
    tour.unauthenticated();
    tour.proxied();
    tour.keyOwner();
    tour.tenants();
    tour.money();
    tour.limitsAndOperations();
    tour.tokenRotation();
    return tour.made;
  }

  private void unauthenticated() {
    call("GET", "/healthz", "/healthz", null, 200);
    call("GET", "/readyz", "/readyz", null, 200);
    call("GET", "/openapi.json", "/openapi.json", null, 200);
  }

  private void proxied() {
    String[] key = f.bearer();
    String chat = "/v1/chat/completions";
    call("POST", chat, chat, CHAT, 200, key);
    call("POST", chat, chat, STREAM, 200, key);
    call("POST", chat, chat, CHAT, 200, with(key, "x-tollgate-dry-run", "true"));
    call("POST", chat, chat, CHAT, 200, with(key, "x-mock", "status=503,when_model=up-a-routed"));
    call("POST", chat, chat, "{\"model\":\"chat-a\"}", 400, key);
    call("POST", chat, chat, "not json", 400, key);
    call("POST", chat, chat, CHAT, 400, with(key, "x-mock", "status=400"));
    call("POST", chat, chat, CHAT, 401);
    call("POST", chat, chat, CHAT, 401, "authorization", "Bearer tg-not-a-key-at-all-000000000000");
    call("POST", chat, chat, CHAT.replace("chat-a", "chat-z"), 404, key);
    call("POST", chat, chat, "{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(70_000) + "\"}]}",
        413, key);
    call("POST", chat, chat, CHAT, 502, with(key, "x-mock", "status=500"));
    call("POST", chat, chat, CHAT, 503, with(key, "x-mock", "status=429"));
    call("POST", chat, chat, CHAT, 504, with(key, "x-mock", "timeout=true"));
    call("POST", chat, chat, CHAT, 200, with(key, "idempotency-key", "tour-1"));
    call("POST", chat, chat, CHAT, 200, with(key, "idempotency-key", "tour-1"));
    call("POST", chat, chat, CHAT.replace("hi", "hello"), 409, with(key, "idempotency-key", "tour-1"));

    Tenant poor = Tenant.funded(f, "tour-poor", "1000", null);
    call("POST", chat, chat, CHAT, 402, with(poor.bearer(), "x-tollgate-route", "routed"));
    Tenant narrow = Tenant.create(f, "tour-narrow");
    f.put("/admin/keys/" + narrow.keyId() + "/scope", "{\"models\":[\"chat-b\"],\"route_types\":[\"routed\"]}", f.admin());
    call("POST", chat, chat, CHAT, 403, narrow.bearer());
    Tenant capped = Tenant.create(f, "tour-capped");
    f.post("/admin/limits", "{\"scope\":\"key\",\"subject\":\"" + capped.keyId()
        + "\",\"metric\":\"requests\",\"window\":\"day\",\"cap\":0}", f.admin());
    call("POST", chat, chat, CHAT, 429, capped.bearer());

    String embeddings = "/v1/embeddings";
    call("POST", embeddings, embeddings, "{\"model\":\"embed-a\",\"input\":[\"one\",\"two\"]}", 200, key);
    call("POST", embeddings, embeddings, "{\"model\":\"embed-a\",\"input\":\"one\",\"encoding_format\":\"float\"}", 200, key);
    call("POST", embeddings, embeddings, "{\"model\":\"embed-a\"}", 400, key);
    call("POST", embeddings, embeddings, "{\"model\":\"chat-a\",\"input\":\"one\"}", 400, key);

    String messages = "/v1/messages";
    String message = "{\"model\":\"chat-a\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    String[] anthropicKey = {"x-api-key", f.key, "anthropic-version", "2023-06-01"};
    call("POST", messages, messages, message, 200, anthropicKey);
    call("POST", messages, messages, message.replace("{\"model\"", "{\"stream\":true,\"model\""), 200, anthropicKey);
    call("POST", messages, messages, message.replace("\"max_tokens\":20,", ""), 400, anthropicKey);
    call("POST", messages, messages, message, 401);
    call("POST", messages, messages, message.replace("chat-a", "chat-z"), 404, anthropicKey);
    call("POST", messages, messages, message, 502, with(anthropicKey, "x-mock", "status=500"));
    String count = "/v1/messages/count_tokens";
    call("POST", count, count, message.replace("\"max_tokens\":20,", ""), 200, anthropicKey);
    call("POST", count, count, message, 401);
  }

  private void keyOwner() {
    String[] key = f.bearer();
    call("GET", "/v1/models", "/v1/models", null, 200, key);
    call("GET", "/v1/models", "/v1/models", null, 401);
    call("GET", "/v1/models/{id}", "/v1/models/chat-a", null, 200, key);
    call("GET", "/v1/models/{id}", "/v1/models/embed-a", null, 200, key);
    call("GET", "/v1/models/{id}", "/v1/models/chat-z", null, 404, key);
    call("GET", "/v1/catalog", "/v1/catalog", null, 200, key);
    call("GET", "/v1/routes/{model}", "/v1/routes/chat-a", null, 200, key);
    call("GET", "/v1/routes/{model}", "/v1/routes/chat-z", null, 404, key);
    call("POST", "/v1/quote", "/v1/quote", CHAT, 200, key);
    call("POST", "/v1/research/quote", "/v1/research/quote", "{\"symbol\":\"ACME\",\"mode\":\"deep\"}", 200, key);
    call("POST", "/v1/research/quote", "/v1/research/quote", "{\"symbol\":\"ACME\",\"mode\":\"turbo\"}", 400, key);
    researchRun(key);
    call("POST", "/v1/quote", "/v1/quote", "{\"model\":\"chat-a\",\"prompt_tokens\":1000,\"max_tokens\":500}", 200,
        with(key, "x-tollgate-route", "official"));
    call("POST", "/v1/quote", "/v1/quote", "{\"model\":\"embed-a\",\"input\":\"one\"}", 200, key);
    call("POST", "/v1/quote", "/v1/quote", "{\"messages\":[]}", 400, key);
    call("POST", "/v1/quote", "/v1/quote", CHAT.replace("chat-a", "chat-z"), 404, key);

    String request = f.chat(CHAT).headers().firstValue("x-tollgate-request-id").orElseThrow();
    String failed = f.chat(CHAT, "x-mock", "status=500").headers().firstValue("x-tollgate-request-id").orElseThrow();
    call("GET", "/v1/receipts", "/v1/receipts", null, 200, key);
    call("GET", "/v1/receipts", "/v1/receipts?limit=2", null, 200, key);
    call("GET", "/v1/receipts", "/v1/receipts?key_id=key_unknown&model=chat-a&to=2099-12-31", null, 200, key);
    call("GET", "/v1/receipts", "/v1/receipts?from=03/10/2026", null, 400, key);
    call("GET", "/v1/receipts", "/v1/receipts?limit=0", null, 400, key);
    call("GET", "/v1/receipts/{id}", "/v1/receipts/" + request, null, 200, key);
    call("GET", "/v1/receipts/{id}", "/v1/receipts/" + failed, null, 200, key);
    call("GET", "/v1/receipts/{id}", "/v1/receipts/req_nothing", null, 404, key);

    call("GET", "/v1/usage", "/v1/usage", null, 200, key);
    call("GET", "/v1/usage", "/v1/usage?group_by=day,key,model,route_type&from=" + yesterday() + "&to=" + tomorrow(), null, 200,
        key);
    call("GET", "/v1/usage", "/v1/usage?group_by=", null, 200, key);
    call("GET", "/v1/usage", "/v1/usage?from=2026-02-30", null, 400, key);
    call("GET", "/v1/usage", "/v1/usage?from=2026-03-10&to=2026-03-01", null, 400, key);
    call("GET", "/v1/usage", "/v1/usage?group_by=colour", null, 400, key);
    call("GET", "/v1/usage", "/v1/usage", null, 401);

    call("GET", "/v1/wallet", "/v1/wallet", null, 200, key);
    call("GET", "/v1/wallet/ledger", "/v1/wallet/ledger?bucket=RMB", null, 200, key);
    call("GET", "/v1/wallet/ledger", "/v1/wallet/ledger?bucket=CREDIT&limit=2&format=csv", null, 200, key);
    call("GET", "/v1/wallet/ledger", "/v1/wallet/ledger", null, 400, key);
    String code = new JsonObject(f.post("/admin/redeem-codes", "{\"bucket\":\"RMB\",\"amount\":\"1.5\"}", f.admin()).body())
        .getString("code");
    call("POST", "/v1/wallet/redeem", "/v1/wallet/redeem", "{\"code\":\"" + code + "\"}", 200, key);
    call("POST", "/v1/wallet/redeem", "/v1/wallet/redeem", "{\"code\":\"" + code + "\"}", 200, key);
    call("POST", "/v1/wallet/redeem", "/v1/wallet/redeem", "{\"code\":\"tgr-nothing\"}", 404, key);
    call("POST", "/v1/wallet/redeem", "/v1/wallet/redeem", "{\"code\":7}", 400, key);

    call("POST", "/v1/limits", "/v1/limits", "{\"metric\":\"requests\",\"window\":\"day\",\"cap\":1000}", 201, key);
    call("POST", "/v1/limits", "/v1/limits",
        "{\"model\":\"chat-a\",\"route_type\":\"routed\",\"metric\":\"spend\",\"bucket\":\"RMB\",\"window\":\"month\",\"cap\":\"50\"}",
        201, key);
    call("POST", "/v1/limits", "/v1/limits", "{\"metric\":\"requests\",\"window\":\"fortnight\",\"cap\":1}", 400, key);
    call("GET", "/v1/limits", "/v1/limits", null, 200, key);
  }

  private void tenants() {
    String[] admin = f.admin();
    call("POST", "/admin/accounts", "/admin/accounts", "{\"name\":\"Tour\"}", 201, admin);
    String account = new JsonObject(last().response().body()).getString("id");
    call("POST", "/admin/accounts", "/admin/accounts", "{}", 400, admin);
    call("GET", "/admin/accounts", "/admin/accounts", null, 200, admin);
    call("POST", "/admin/users", "/admin/users", "{\"account_id\":\"" + account
        + "\",\"email\":\"tour@example.com\",\"password\":\"a long tour password\"}", 201, admin);
    call("POST", "/admin/users", "/admin/users", "{\"email\":\"op@example.com\",\"password\":\"short\",\"role\":\"operator\"}", 400, admin);
    call("GET", "/admin/users", "/admin/users?account_id=" + account, null, 200, admin);
    String user = new JsonObject(last().response().body()).getJsonArray("data").getJsonObject(0).getString("id");
    call("POST", "/admin/users/{id}/disable", "/admin/users/" + user + "/disable", null, 200, admin);
    call("POST", "/admin/users/{id}/disable", "/admin/users/user_nobody/disable", null, 404, admin);
    call("POST", "/admin/users/{id}/enable", "/admin/users/" + user + "/enable", null, 200, admin);
    call("PUT", "/admin/users/{id}/password", "/admin/users/" + user + "/password", "{\"password\":\"another tour password\"}", 200, admin);
    call("PUT", "/admin/users/{id}/password", "/admin/users/" + user + "/password", "{\"password\":\"short\"}", 400, admin);
    call("GET", "/admin/users", "/admin/users", null, 401);
    call("GET", "/admin/accounts", "/admin/accounts", null, 401);
    call("GET", "/admin/accounts", "/admin/accounts", null, 401, "authorization", "Bearer tga-wrong");
    call("POST", "/admin/accounts/{id}/projects", "/admin/accounts/" + account + "/projects", "{\"name\":\"bot\"}", 201, admin);
    String project = new JsonObject(last().response().body()).getString("id");
    call("POST", "/admin/accounts/{id}/projects", "/admin/accounts/acct_nothing/projects", "{\"name\":\"bot\"}", 404, admin);
    call("GET", "/admin/projects", "/admin/projects", null, 200, admin);
    call("GET", "/admin/projects", "/admin/projects?account_id=" + account, null, 200, admin);
    call("POST", "/admin/projects/{id}/keys", "/admin/projects/" + project + "/keys",
        "{\"name\":\"ci\",\"scope\":{\"models\":[\"chat-a\"],\"route_types\":[\"routed\",\"official\"],\"allow_bucket_change\":false}}",
        201, admin);
    String keyId = new JsonObject(last().response().body()).getString("id");
    call("POST", "/admin/projects/{id}/keys", "/admin/projects/" + project + "/keys", "{}", 201, admin);
    call("POST", "/admin/projects/{id}/keys", "/admin/projects/proj_nothing/keys", "{}", 404, admin);
    call("POST", "/admin/projects/{id}/keys", "/admin/projects/" + project + "/keys", "{\"scope\":{\"route_types\":[\"direct\"]}}",
        400, admin);
    call("POST", "/admin/projects/{id}/keys", "/admin/projects/" + project + "/keys",
        "{\"name\":\"temp\",\"expires_at\":\"" + Instant.ofEpochMilli(f.clock.millis()).plus(Duration.ofDays(30)) + "\"}", 201, admin);
    call("POST", "/admin/projects/{id}/keys", "/admin/projects/" + project + "/keys", "{\"expires_at\":\"next week\"}", 400, admin);
    call("POST", "/admin/projects/{id}/keys", "/admin/projects/" + project + "/keys", "{\"expires_at\":\"2020-01-01T00:00:00Z\"}",
        400, admin);
    String expired = "Bearer " + new Keys(f.store, Clock.fixed(Instant.ofEpochMilli(f.clock.millis() - 60_000), ZoneOffset.UTC))
        .create(project, "expired", KeyScope.DEFAULT, f.clock.millis() - 1_000).secret();
    call("GET", "/v1/models", "/v1/models", null, 401, "authorization", expired);
    call("POST", "/v1/chat/completions", "/v1/chat/completions", CHAT, 401, "authorization", expired);
    call("GET", "/admin/keys", "/admin/keys", null, 200, admin);
    call("GET", "/admin/keys", "/admin/keys?project_id=" + project, null, 200, admin);
    call("PUT", "/admin/keys/{id}/scope", "/admin/keys/" + keyId + "/scope", "{\"models\":[],\"route_types\":[\"routed\"]}", 200, admin);
    call("PUT", "/admin/keys/{id}/scope", "/admin/keys/key_nothing/scope", "{}", 404, admin);
    call("POST", "/admin/keys/{id}/revoke", "/admin/keys/" + keyId + "/revoke", null, 200, admin);
    call("POST", "/admin/keys/{id}/revoke", "/admin/keys/key_nothing/revoke", null, 404, admin);

    String request = f.chat(CHAT).headers().firstValue("x-tollgate-request-id").orElseThrow();
    call("GET", "/admin/receipts", "/admin/receipts", null, 200, admin);
    call("GET", "/admin/receipts", "/admin/receipts?project_id=" + f.project.id() + "&limit=3", null, 200, admin);
    call("GET", "/admin/receipts", "/admin/receipts?model=chat-a&route_type=routed&outcome=succeeded&from=2020-01-01", null, 200, admin);
    call("GET", "/admin/receipts", "/admin/receipts?outcome=won", null, 400, admin);
    call("GET", "/admin/receipts/{id}", "/admin/receipts/" + request, null, 200, admin);
    call("GET", "/admin/receipts/{id}", "/admin/receipts/req_nothing", null, 404, admin);

    call("GET", "/admin/usage", "/admin/usage", null, 200, admin);
    call("GET", "/admin/usage", "/admin/usage?group_by=project,model&from=" + yesterday() + "&to=" + tomorrow(), null, 200, admin);
    call("GET", "/admin/usage", "/admin/usage?project_id=" + f.project.id() + "&group_by=key,route_type", null, 200, admin);
    call("GET", "/admin/usage", "/admin/usage?to=10000-01-01", null, 400, admin);
    call("GET", "/admin/usage", "/admin/usage?from=2025-01-01&to=2026-06-01", null, 400, admin);
    call("GET", "/admin/usage", "/admin/usage", null, 401);
  }

  private void money() {
    String[] admin = f.admin();
    Tenant t = Tenant.create(f, "tour-money");
    String account = "/admin/accounts/" + t.accountId();
    String topup = "{\"bucket\":\"RMB\",\"amount\":\"10.50\",\"idempotency_key\":\"tour-topup\",\"note\":\"bank transfer\"}";
    call("POST", "/admin/accounts/{id}/topups", account + "/topups", topup, 201, admin);
    call("POST", "/admin/accounts/{id}/topups", account + "/topups", topup, 201, admin);
    call("POST", "/admin/accounts/{id}/topups", account + "/topups", topup.replace("10.50", "11"), 409, admin);
    call("POST", "/admin/accounts/{id}/topups", account + "/topups",
        "{\"bucket\":\"CREDIT\",\"amount_micros\":5000000,\"idempotency_key\":\"tour-topup-2\"}", 201, admin);
    call("POST", "/admin/accounts/{id}/topups", account + "/topups", "{\"bucket\":\"RMB\",\"idempotency_key\":\"x\"}", 400, admin);
    call("POST", "/admin/accounts/{id}/topups", "/admin/accounts/acct_nothing/topups",
        "{\"bucket\":\"RMB\",\"amount\":\"1\",\"idempotency_key\":\"tour-nothing\"}", 404, admin);
    call("POST", "/admin/accounts/{id}/adjustments", account + "/adjustments",
        "{\"bucket\":\"RMB\",\"amount_micros\":-1000000,\"idempotency_key\":\"tour-adjust\",\"note\":\"refund reversed\"}", 201, admin);
    call("POST", "/admin/accounts/{id}/adjustments", account + "/adjustments",
        "{\"bucket\":\"RMB\",\"amount_micros\":-999000000000,\"idempotency_key\":\"tour-adjust-2\",\"note\":\"too much\"}", 402, admin);
    call("POST", "/admin/accounts/{id}/conversions", account + "/conversions",
        "{\"from\":\"CREDIT\",\"to\":\"RMB\",\"amount\":\"1\",\"rate\":\"7.1\",\"idempotency_key\":\"tour-convert\"}", 201, admin);
    call("POST", "/admin/accounts/{id}/conversions", account + "/conversions",
        "{\"from\":\"CREDIT\",\"to\":\"RMB\",\"amount\":\"1\",\"rate\":\"seven\",\"idempotency_key\":\"tour-convert-2\"}", 400, admin);
    call("PUT", "/admin/accounts/{id}/overdraft", account + "/overdraft", "{\"bucket\":\"RMB\",\"overdraft_micros\":2000000}", 200, admin);
    call("PUT", "/admin/accounts/{id}/overdraft", account + "/overdraft", "{\"bucket\":\"RMB\",\"overdraft_micros\":-1}", 400, admin);
    call("GET", "/admin/accounts/{id}/wallet", account + "/wallet", null, 200, admin);
    call("GET", "/admin/accounts/{id}/wallet", "/admin/accounts/acct_nothing/wallet", null, 404, admin);
    call("POST", "/admin/redeem-codes", "/admin/redeem-codes",
        "{\"bucket\":\"CREDIT\",\"amount\":\"5\",\"uses\":10,\"expires_at_ms\":" + (f.clock.millis() + 86_400_000L) + "}", 201, admin);
    call("POST", "/admin/redeem-codes", "/admin/redeem-codes", "{\"bucket\":\"CREDIT\",\"amount\":\"5\",\"uses\":0}", 400, admin);
    call("GET", "/admin/ledger/verify", "/admin/ledger/verify", null, 200, admin);
  }

  private void limitsAndOperations() {
    String[] admin = f.admin();
    try {
      f.configureLimits("""
          limits:
            - {scope: route, model: chat-a, route_type: official, metric: spend, bucket: CREDIT, window: day, cap: 100, per: account}
            - {scope: channel, channel: spare, metric: requests, window: lifetime, cap: 100000}
          """);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    Tenant t = Tenant.create(f, "tour-limits");
    String limit = "{\"scope\":\"project\",\"subject\":\"" + t.projectId()
        + "\",\"metric\":\"spend\",\"bucket\":\"RMB\",\"window\":\"day\",\"cap\":\"20\"}";
    call("POST", "/admin/limits", "/admin/limits", limit, 201, admin);
    String id = new JsonObject(last().response().body()).getString("id");
    call("POST", "/admin/limits", "/admin/limits", "{\"scope\":\"route_key\",\"subject\":\"" + t.keyId()
        + "\",\"model\":\"chat-a\",\"route_type\":\"official\",\"metric\":\"tokens\",\"window\":\"minute\",\"cap\":5000}", 201, admin);
    call("POST", "/admin/limits", "/admin/limits", "{\"scope\":\"route\",\"subject\":\"x\",\"metric\":\"requests\",\"window\":\"day\","
        + "\"cap\":1}", 400, admin);
    call("POST", "/admin/limits", "/admin/limits", "{\"scope\":\"key\",\"subject\":\"key_nothing\",\"metric\":\"requests\","
        + "\"window\":\"day\",\"cap\":1}", 404, admin);
    call("POST", "/v1/limits", "/v1/limits", "{\"metric\":\"spend\",\"bucket\":\"RMB\",\"window\":\"day\",\"cap\":\"30\"}", 201, t.bearer());
    call("POST", "/admin/limits", "/admin/limits", "{\"scope\":\"key\",\"subject\":\"" + t.keyId()
        + "\",\"metric\":\"spend\",\"bucket\":\"RMB\",\"window\":\"day\",\"cap\":\"10\"}", 201, admin);
    call("POST", "/v1/limits", "/v1/limits", "{\"metric\":\"spend\",\"bucket\":\"RMB\",\"window\":\"day\",\"cap\":\"40\"}", 403, t.bearer());
    call("GET", "/admin/limits", "/admin/limits", null, 200, admin);
    call("GET", "/admin/limits", "/admin/limits?subject=" + t.projectId(), null, 200, admin);
    call("DELETE", "/admin/limits/{id}", "/admin/limits/" + id, null, 200, admin);
    call("DELETE", "/admin/limits/{id}", "/admin/limits/" + id, null, 404, admin);
    call("GET", "/admin/routes/spend", "/admin/routes/spend", null, 200, admin);
    call("GET", "/admin/routes/spend", "/admin/routes/spend?date=2026-02-30", null, 400, admin);
    call("GET", "/admin/channels", "/admin/channels", null, 200, admin);
    call("POST", "/admin/config/reload", "/admin/config/reload", null, 200, admin);
    call("GET", "/admin/metrics", "/admin/metrics", null, 200, admin);
    call("GET", "/admin/metrics", "/admin/metrics", null, 401);
  }

  /** Last: the admin token the fixture holds stops working once it is rotated. */
  private void tokenRotation() {
    String[] old = f.admin();
    call("POST", "/admin/token/rotate", "/admin/token/rotate", null, 401, "authorization", "Bearer tga-wrong");
    call("POST", "/admin/token/rotate", "/admin/token/rotate", null, 200, old);
    String token = new JsonObject(last().response().body()).getString("token");
    call("POST", "/admin/token/rotate", "/admin/token/rotate", null, 401, old);
    call("GET", "/admin/accounts", "/admin/accounts", null, 200, "authorization", "Bearer " + token);
  }

  /** The days around today in the gateway's time zone, so a report's explicit range holds this tour's receipts. */
  private String yesterday() {
    return LocalDate.now(f.clock.withZone(ZONE)).minusDays(1).toString();
  }

  private String tomorrow() {
    return LocalDate.now(f.clock.withZone(ZONE)).plusDays(1).toString();
  }

  private Exchange last() {
    return made.get(made.size() - 1);
  }

  private static String[] with(String[] headers, String... more) {
    String[] all = new String[headers.length + more.length];
    System.arraycopy(headers, 0, all, 0, headers.length);
    System.arraycopy(more, 0, all, headers.length, more.length);
    return all;
  }

  /** Makes one call and checks it met the case it was written for, so a tour that drifts is noticed. */
  /** A research run from a fresh quick quote, walked through every run endpoint; the run ends before the last. */
  private void researchRun(String... key) {
    String quote = new JsonObject(f.post("/v1/research/quote", "{\"symbol\":\"ACME\",\"mode\":\"quick\"}", key).body())
        .getString("id");
    call("POST", "/v1/research/runs", "/v1/research/runs", "{\"quote_id\":\"" + quote + "\"}", 201, key);
    String run = new JsonObject(made.get(made.size() - 1).response().body()).getString("id");
    call("POST", "/v1/research/runs", "/v1/research/runs", "{\"quote_id\":\"" + quote + "\"}", 404, key);
    call("GET", "/v1/research/runs/{id}/events", "/v1/research/runs/" + run + "/events", null, 200, key);
    call("GET", "/v1/research/runs/{id}", "/v1/research/runs/" + run, null, 200, key);
    call("GET", "/v1/research/runs/{id}/report", "/v1/research/runs/" + run + "/report", null, 200, key);
    call("GET", "/v1/research/runs/{id}/report.html", "/v1/research/runs/" + run + "/report.html", null, 200, key);
    call("DELETE", "/v1/research/runs/{id}", "/v1/research/runs/" + run, null, 202, key);
    call("GET", "/v1/research/runs/{id}", "/v1/research/runs/run_nope", null, 404, key);
  }

  private void call(String method, String template, String path, String body, int expected, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(f.url(path))).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("content-type", "application/json");
    }
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(method + " " + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    Exchange exchange = new Exchange(method, template, path, body, response);
    assertThat(response.statusCode()).as("%s answered %s", exchange, response.body()).isEqualTo(expected);
    made.add(exchange);
  }
}
