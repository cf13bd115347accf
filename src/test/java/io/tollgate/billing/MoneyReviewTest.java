package io.tollgate.billing;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.tollgate.testing.Wallets;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The money review's cases on the request path: an upstream that lies about usage, a client that leaves before
 * the first byte, idempotent retries that race or cross a failed commit, and what the hold must cover.
 */
class MoneyReviewTest {
  private static final String CHAT = "{\"model\":\"chat-a\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
  private static final String STREAM = "{\"model\":\"chat-a\",\"stream\":true,\"max_tokens\":50,\"messages\":[{\"role\":\"user\","
      + "\"content\":\"hello there\"}]}";

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

  @AfterEach
  void ledgerStaysConsistent() {
    Wallets.assertVerified(f.store, System.currentTimeMillis());
  }

  // 1. a usage object without OpenAI's counts is not a measurement

  @ParameterizedTest(name = "usage={0}, stream={1}")
  @CsvSource({"empty,false", "empty,true", "anthropic,false", "anthropic,true", "prompt_only,false", "prompt_only,true"})
  void usageWithoutTheCountsIsChargedAtTheGatewaysOwnCount(String shape, boolean stream) throws Exception {
    Tenant t = Tenant.create(f, "shape-" + shape);
    long before = Wallets.balance(f.store, t.accountId(), Bucket.RMB);

    HttpResponse<String> response = chat(t, stream ? STREAM : CHAT, "tokens=20,usage=" + shape);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonObject receipt = receipt(t, response);
    JsonObject usage = receipt.getJsonObject("usage");
    assertThat(usage.getString("source")).isEqualTo("estimated");
    assertThat(usage.getLong("prompt_tokens")).isPositive();
    assertThat(usage.getLong("completion_tokens")).as("the tokenizer's count of 20 words").isGreaterThanOrEqualTo(20L);
    assertThat(receipt.getLong("charged_micros")).isPositive();
    assertThat(before - Wallets.balance(f.store, t.accountId(), Bucket.RMB)).isEqualTo(receipt.getLong("charged_micros"));
  }

  // 2. negative or absurd counts are rejected, never a credit; so is a cache write beyond the prompt it is part of

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"completion_tokens=-1000000", "prompt_tokens=-5", "completion_tokens=9223372036854775807",
      "prompt_tokens=99999999999999999999999999", "completion_tokens=50000000", "cached_tokens=-7",
      "cache_write_tokens=-3", "cache_write_tokens=50000000", "cache_write_tokens=5000"})
  void absurdUsageIsRejectedAndTheGatewaysCountCharged(String lie) throws Exception {
    for (boolean stream : new boolean[] {false, true}) {
      Tenant t = Tenant.create(f, "lie");
      long before = Wallets.balance(f.store, t.accountId(), Bucket.RMB);

      HttpResponse<String> response = chat(t, stream ? STREAM : CHAT, "tokens=20," + lie);

      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      JsonObject receipt = receipt(t, response);
      JsonObject usage = receipt.getJsonObject("usage");
      assertThat(usage.getString("source")).as("stream=" + stream).isEqualTo("estimated");
      assertThat(usage.getString("rejected")).as("the receipt says the upstream's figure was rejected").isNotBlank();
      assertThat(usage.getLong("completion_tokens")).as("the tokenizer's count of 20 words").isGreaterThanOrEqualTo(20L);
      long charged = receipt.getLong("charged_micros");
      assertThat(charged).isPositive();
      assertThat(before - Wallets.balance(f.store, t.accountId(), Bucket.RMB)).isEqualTo(charged);
      if (!stream) {
        assertThat(Long.parseLong(response.headers().firstValue("x-tollgate-cost").orElseThrow())).isEqualTo(charged);
      }
    }
  }

  // 3. the charge and the stored idempotent result are one commit

  @Test
  void aRetryAfterTheIdempotentResultFailedToCommitIsNeverChargedTwice() throws Exception {
    Tenant t = Tenant.create(f, "idem-commit");
    String key = "commit-" + System.nanoTime();
    Wallets.execute(f.store, "CREATE TRIGGER no_idempotent_results BEFORE INSERT ON idempotency"
        + " BEGIN SELECT RAISE(ABORT, 'simulated crash before the idempotent result'); END");
    try {
      chat(t, CHAT, "tokens=10", "idempotency-key", key);
      chat(t, CHAT, "tokens=10", "idempotency-key", key);
      assertThat(charges(t)).as("charge transfers while results cannot be stored").isLessThanOrEqualTo(1);
    } finally {
      Wallets.execute(f.store, "DROP TRIGGER no_idempotent_results");
    }
    long chargedBefore = charges(t);
    HttpResponse<String> ok = chat(t, CHAT, "tokens=10", "idempotency-key", key);
    HttpResponse<String> replay = chat(t, CHAT, "tokens=10", "idempotency-key", key);

    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(replay.statusCode()).isEqualTo(200);
    assertThat(charges(t)).isEqualTo(1);
    assertThat(chargedBefore == 1 ? ok.headers().firstValue("x-tollgate-idempotent-replay") : java.util.Optional.of("true"))
        .as("a result whose charge committed is replayed").contains("true");
    assertThat(replay.headers().firstValue("x-tollgate-idempotent-replay")).contains("true");
    assertThat(Wallets.count(f.store, "SELECT COUNT(*) FROM idempotency WHERE scope = '" + t.keyId() + ":" + key + "'"))
        .isEqualTo(1);
  }

  // 4. a client that leaves before the first byte

  @ParameterizedTest(name = "stream={0}")
  @ValueSource(booleans = {false, true})
  void aClientLeavingBeforeTheFirstByteCancelsTheUpstreamAndPaysOnlyThePrompt(boolean stream) throws Exception {
    Tenant t = Tenant.create(f, "leaver");
    long before = Wallets.balance(f.store, t.accountId(), Bucket.RMB);
    String body = stream ? STREAM : CHAT;
    f.upstream.resetCounts();

    try (Socket socket = new Socket("127.0.0.1", f.gateway.port())) {
      byte[] content = body.getBytes(StandardCharsets.UTF_8);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + t.key()
          + "\r\nContent-Type: application/json\r\nContent-Length: " + content.length
          + "\r\nx-mock: latency_ms=4000,tokens=30\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(content);
      out.flush();
      awaitUpstreamCall();
    }

    JsonObject receipt = awaitNewestReceipt(t);
    assertThat(receipt.getString("outcome")).isEqualTo("client_disconnected");
    assertThat(receipt.getJsonObject("usage").getLong("completion_tokens")).isZero();
    assertThat(receipt.getJsonObject("usage").getLong("prompt_tokens")).isPositive();
    assertThat(receipt.getJsonArray("attempts").getJsonObject(0).getString("outcome")).isEqualTo("client_disconnected");
    long charged = receipt.getLong("charged_micros");
    assertThat(charged).as("the prompt the upstream received").isPositive();
    assertThat(before - Wallets.balance(f.store, t.accountId(), Bucket.RMB)).isEqualTo(charged);
    assertThat(Wallets.wallet(f.store, t.accountId(), Bucket.RMB).held()).isZero();
  }

  // 5a. the cap the hold assumed goes upstream

  @Test
  void withoutMaxTokensTheModelsCapIsForwardedSoTheUpstreamCannotOutrunTheHold() throws Exception {
    Tenant t = Tenant.create(f, "cap");
    String body = "{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    // the mock writes what it is told, capped by the max_tokens it receives: 4,096 for chat-a
    HttpResponse<String> response = chat(t, body, "tokens=5000");

    JsonObject receipt = receipt(t, response);
    assertThat(receipt.getJsonObject("usage").getLong("completion_tokens")).isEqualTo(4096L);
    assertThat(receipt.getLong("charged_micros")).isLessThanOrEqualTo(receipt.getLong("hold_micros"));
    assertThat(receipt.containsKey("exceeded_hold")).isFalse();
  }

  // 5c. usage above the hold is charged, marked and learnt from

  @Test
  void usageAboveTheHoldIsChargedMarkedAndTheNextHoldLearnsFromIt() throws Exception {
    Tenant t = Tenant.create(f, "excess");
    String body = "{\"model\":\"chat-b\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    long before = Wallets.balance(f.store, t.accountId(), Bucket.RMB);

    HttpResponse<String> first = chat(t, body, "tokens=1000,ignore_max_tokens=true");

    JsonObject receipt = receipt(t, first);
    assertThat(receipt.getJsonObject("usage").getLong("completion_tokens")).isEqualTo(1000L);
    long cost = receipt.getLong("cost_micros");
    long hold = receipt.getLong("hold_micros");
    assertThat(cost).isGreaterThan(hold);
    assertThat(receipt.getBoolean("exceeded_hold")).isTrue();
    assertThat(receipt.getLong("excess_micros")).isEqualTo(cost - hold);
    assertThat(receipt.getLong("charged_micros")).isEqualTo(cost);
    assertThat(before - Wallets.balance(f.store, t.accountId(), Bucket.RMB)).isEqualTo(cost);
    assertThat(f.get("/admin/metrics", f.admin()).body()).contains("tollgate_holds_exceeded_total{bucket=\"RMB\",model=\"chat-b\"");

    HttpResponse<String> second = chat(t, body, "tokens=1000,ignore_max_tokens=true");

    JsonObject next = receipt(t, second);
    assertThat(next.getLong("hold_micros")).as("the next hold covers what the upstream really wrote").isGreaterThanOrEqualTo(cost);
    assertThat(next.containsKey("exceeded_hold")).isFalse();
  }

  // 7. the quote's worst case is the request's hold

  @Test
  void theQuotesMaxIsTheRequestsHoldWhenBothMaxTokenFieldsAreSet() throws Exception {
    Tenant t = Tenant.create(f, "quote");
    String body = "{\"model\":\"chat-a\",\"max_completion_tokens\":10,\"max_tokens\":4000,\"messages\":[{\"role\":\"user\","
        + "\"content\":\"hello there\"}]}";

    JsonObject quote = new JsonObject(f.post("/v1/quote", body, t.bearer()).body());
    JsonObject receipt = receipt(t, chat(t, body, "tokens=5"));

    assertThat(quote.getJsonObject("cost").getLong("max_micros")).isEqualTo(receipt.getLong("hold_micros"));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"{\"model\":\"chat-a\",\"prompt_tokens\":10,\"max_completion_tokens\":0}",
      "{\"model\":\"chat-a\",\"prompt_tokens\":10,\"max_completion_tokens\":\"lots\"}",
      "{\"model\":\"chat-a\",\"prompt_tokens\":10,\"n\":9223372036854775807}",
      "{\"model\":\"chat-a\",\"prompt_tokens\":10,\"n\":0}",
      "{\"model\":\"chat-a\",\"prompt_tokens\":10,\"max_tokens\":4096,\"n\":\"x\"}",
      "{\"model\":\"chat-a\",\"prompt_tokens\":9223372036854775807}"})
  void thePromptOnlyQuoteValidatesEveryField(String body) {
    Tenant t = Tenant.create(f, "quote-bad");

    HttpResponse<String> response = f.post("/v1/quote", body, t.bearer());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(new JsonObject(response.body()).getJsonObject("error").getString("param")).isNotNull();
  }

  // 8. the same key with another body, concurrently

  @Test
  void everyConcurrentReuseOfAKeyWithAnotherBodyIsRefused() throws Exception {
    Tenant t = Tenant.create(f, "idem-race");
    String key = "race-" + System.nanoTime();
    assertThat(chat(t, CHAT, "tokens=5", "idempotency-key", key).statusCode()).isEqualTo(200);
    String other = CHAT.replace("hello there", "something else");
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    List<CompletableFuture<HttpResponse<String>>> racing = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      racing.add(client.sendAsync(HttpRequest.newBuilder(URI.create(f.url("/v1/chat/completions")))
          .header("authorization", "Bearer " + t.key()).header("content-type", "application/json")
          .header("idempotency-key", key).header("x-mock", "tokens=5")
          .POST(HttpRequest.BodyPublishers.ofString(other)).build(), HttpResponse.BodyHandlers.ofString()));
    }

    for (CompletableFuture<HttpResponse<String>> r : racing) {
      assertThat(r.get().statusCode()).as(r.get().body()).isEqualTo(409);
    }
    assertThat(charges(t)).isEqualTo(1);
  }

  // 9. a refusal is not pinned

  @Test
  void aLimitRefusalIsNotReplayedOnceTheLimitAllowsTheRequest() throws Exception {
    Tenant t = Tenant.create(f, "idem-refusal");
    String limit = "{\"scope\":\"key\",\"subject\":\"" + t.keyId() + "\",\"metric\":\"requests\",\"window\":\"day\",\"cap\":";
    assertThat(f.post("/admin/limits", limit + "1}", f.admin()).statusCode()).isEqualTo(201);
    assertThat(chat(t, CHAT, "tokens=5").statusCode()).isEqualTo(200);
    String key = "refused-" + System.nanoTime();
    assertThat(chat(t, CHAT, "tokens=5", "idempotency-key", key).statusCode()).isEqualTo(429);

    assertThat(f.post("/admin/limits", limit + "5}", f.admin()).statusCode()).isEqualTo(201);
    HttpResponse<String> retried = chat(t, CHAT, "tokens=5", "idempotency-key", key);

    assertThat(retried.statusCode()).as(retried.body()).isEqualTo(200);
    assertThat(retried.headers().firstValue("x-tollgate-idempotent-replay")).isEmpty();
  }

  private static HttpResponse<String> chat(Tenant t, String body, String mock, String... headers) {
    return t.chatRouted(f, body, mock, headers);
  }

  private static JsonObject receipt(Tenant t, HttpResponse<String> response) {
    return t.receipt(f, response);
  }

  private static long charges(Tenant t) {
    return Wallets.count(f.store, "SELECT COUNT(*) FROM transfers WHERE kind = 'charge' AND debit_account = '"
        + io.tollgate.ledger.LedgerIds.wallet(t.accountId(), Bucket.RMB) + "'");
  }

  private static void awaitUpstreamCall() throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (f.upstream.requestCount() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    f.upstream.resetCounts();
  }

  private static JsonObject awaitNewestReceipt(Tenant t) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      JsonArray data = new JsonObject(f.get("/v1/receipts?limit=1", t.bearer()).body()).getJsonArray("data");
      if (!data.isEmpty()) {
        return data.getJsonObject(0);
      }
      assertThat(System.nanoTime()).as("a receipt within 10 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
