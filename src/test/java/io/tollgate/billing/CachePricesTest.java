package io.tollgate.billing;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.tollgate.testing.Wallets;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Cache reads and cache writes have their own prices. {@code claude-cache} (official, CREDIT, no multiplier) costs
 * per million tokens 3.00 input, 0.30 cache read, 3.75 cache write and 15.00 output, served by an Anthropic-kind
 * leg: a cached answer is charged each part at its price, and a hold prices its whole prompt at the cache-write
 * price, the dearest a prompt token can cost, in the request and in its quote alike.
 */
class CachePricesTest {
  /** About 3,000 prompt tokens, so the counts scripted below stay within the hold's prompt. */
  private static final String PROMPT = "word ".repeat(3_000).trim();

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

  @ParameterizedTest(name = "{0}, stream={1}")
  @CsvSource({"chat,false", "chat,true", "messages,false", "messages,true"})
  void aCachedAnthropicAnswerIsChargedEachPartAtItsPrice(String endpoint, boolean stream) {
    Tenant t = Tenant.create(f, "cached-" + endpoint + "-" + stream);
    long before = Wallets.balance(f.store, t.accountId(), Bucket.CREDIT);

    // Anthropic reports input_tokens 501 beside 1,001 cache reads and 1,499 cache writes, and 7 output tokens
    HttpResponse<String> response = send(t, endpoint, stream, 50,
        "prompt_tokens=501,cached_tokens=1001,cache_write_tokens=1499,tokens=7");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    // 501 x 3.00 + 1,001 x 0.30 + 1,499 x 3.75 + 7 x 15.00 = 1,503 + 300.3 + 5,621.25 + 105 = 7,529.55, rounded up once
    long expected = 7_530;
    JsonObject receipt = t.receipt(f, response);
    JsonObject usage = receipt.getJsonObject("usage");
    assertThat(usage.getString("source")).isEqualTo("measured");
    assertThat(usage.getLong("prompt_tokens")).isEqualTo(501 + 1_001 + 1_499);
    assertThat(usage.getLong("cached_prompt_tokens")).isEqualTo(1_001);
    assertThat(usage.getLong("cache_write_prompt_tokens")).isEqualTo(1_499);
    assertThat(usage.getLong("completion_tokens")).isEqualTo(7);
    JsonObject prices = receipt.getJsonObject("prices");
    assertThat(prices.getLong("input_micros_per_mtok")).isEqualTo(3_000_000);
    assertThat(prices.getLong("cached_input_micros_per_mtok")).isEqualTo(300_000);
    assertThat(prices.getLong("cache_write_micros_per_mtok")).isEqualTo(3_750_000);
    assertThat(prices.getLong("output_micros_per_mtok")).isEqualTo(15_000_000);
    assertThat(receipt.getLong("cost_micros")).isEqualTo(expected);
    assertThat(receipt.getLong("charged_micros")).isEqualTo(expected);
    assertThat(receipt.containsKey("exceeded_hold")).as("the counts stay within the hold").isFalse();
    assertThat(before - Wallets.balance(f.store, t.accountId(), Bucket.CREDIT)).isEqualTo(expected);
    if (endpoint.equals("messages") && !stream) {
      JsonObject answered = new JsonObject(response.body()).getJsonObject("usage");
      assertThat(answered.getLong("input_tokens")).isEqualTo(501);
      assertThat(answered.getLong("cache_read_input_tokens")).isEqualTo(1_001);
      assertThat(answered.getLong("cache_creation_input_tokens")).isEqualTo(1_499);
    }
  }

  @Test
  void aHoldCoversAPromptTheUpstreamWritesWholeToItsCache() {
    Tenant t = Tenant.create(f, "written");
    long counted = quote(t, chat(false, 50)).getJsonObject("tokens").getLong("prompt");

    // the upstream bills every prompt token the gateway counted as a cache write, and writes all 50 output tokens
    HttpResponse<String> response = send(t, "chat", false, 50, "prompt_tokens=0,cache_write_tokens=" + counted + ",tokens=50");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonObject receipt = t.receipt(f, response);
    long heldPrompt = counted + counted / 10 + 16;
    assertThat(receipt.getLong("hold_micros")).as("the held prompt at the cache-write price, the output at the output price")
        .isEqualTo(ceilMillionth(heldPrompt * 3_750_000 + 50 * 15_000_000));
    assertThat(receipt.getLong("cost_micros")).isEqualTo(ceilMillionth(counted * 3_750_000 + 50 * 15_000_000));
    assertThat(receipt.getLong("cost_micros")).isLessThanOrEqualTo(receipt.getLong("hold_micros"));
    assertThat(receipt.containsKey("exceeded_hold")).as("the hold covered the cache writes").isFalse();
  }

  @Test
  void theQuotesHoldIsTheRequestsHoldAtTheCacheWritePrice() {
    Tenant t = Tenant.funded(f, "quote-cache", null, null);

    JsonObject byCount = quote(t, "{\"model\":\"claude-cache\",\"prompt_tokens\":1000,\"max_tokens\":100}");
    // (1,000 + 100 + 16) x 3.75 + 100 x 15.00 = 4,185 + 1,500
    assertThat(byCount.getJsonArray("legs").getJsonObject(0).getLong("max_cost_micros")).isEqualTo(5_685);
    assertThat(byCount.getJsonObject("cost").getLong("max_micros")).isEqualTo(5_685);

    String body = chat(false, 100);
    long hold = quote(t, body).getJsonArray("legs").getJsonObject(0).getLong("max_cost_micros");
    topUp(t, hold - 1);
    JsonObject short1 = quote(t, body);
    HttpResponse<String> refused = send(t, body, "tokens=3");
    assertThat(short1.getBoolean("would_be_admitted")).isFalse();
    assertThat(short1.getJsonObject("refusal").getString("code")).isEqualTo("insufficient_balance");
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(402);

    topUp(t, 1);
    JsonObject enough = quote(t, body);
    HttpResponse<String> served = send(t, body, "tokens=3");
    assertThat(enough.getBoolean("would_be_admitted")).isTrue();
    assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
    assertThat(t.receipt(f, served).getLong("hold_micros")).as("the quote's hold is the request's")
        .isEqualTo(enough.getJsonObject("cost").getLong("hold_micros")).isEqualTo(hold);
  }

  private static long ceilMillionth(long micros) {
    return -Math.floorDiv(-micros, 1_000_000L);
  }

  /** A body both endpoints read alike: a chat completion, or an Anthropic message. */
  private static String chat(boolean stream, int maxTokens) {
    return new JsonObject().put("model", "claude-cache").put("max_tokens", maxTokens).put("stream", stream)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", PROMPT))).encode();
  }

  private static HttpResponse<String> send(Tenant t, String endpoint, boolean stream, int maxTokens, String mock) {
    if (endpoint.equals("messages")) {
      return f.post("/v1/messages", chat(stream, maxTokens), "x-api-key", t.key(), "anthropic-version", "2023-06-01",
          "x-tollgate-route", "official", "x-mock", mock);
    }
    return send(t, chat(stream, maxTokens), mock);
  }

  private static HttpResponse<String> send(Tenant t, String body, String mock) {
    return f.post("/v1/chat/completions", body, "authorization", "Bearer " + t.key(), "x-tollgate-route", "official",
        "x-mock", mock);
  }

  private static JsonObject quote(Tenant t, String body) {
    HttpResponse<String> response = f.post("/v1/quote", body, "authorization", "Bearer " + t.key(), "x-tollgate-route", "official");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new JsonObject(response.body());
  }

  private static void topUp(Tenant t, long micros) {
    HttpResponse<String> response = f.post("/admin/accounts/" + t.accountId() + "/topups", "{\"bucket\":\"CREDIT\",\"amount_micros\":"
        + micros + ",\"idempotency_key\":\"top-" + System.nanoTime() + "\"}", f.admin());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
  }
}
