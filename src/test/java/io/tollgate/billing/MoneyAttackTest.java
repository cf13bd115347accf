package io.tollgate.billing;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.tollgate.testing.Wallets;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
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
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The adversarial review of the money fixes: usage reports that are believable in shape but not in size (zero,
 * far below what was delivered, above the window, two in one stream), a lie that would raise other tenants' holds,
 * and retries that race a reuse of their Idempotency-Key. Each failed on the first version of the fixes.
 */
class MoneyAttackTest {
  private static final String CHAT = "{\"model\":\"chat-a\",\"max_tokens\":600,\"messages\":[{\"role\":\"user\","
      + "\"content\":\"hello there\"}]}";
  private static final String STREAM = "{\"model\":\"chat-a\",\"stream\":true,\"max_tokens\":600,\"messages\":[{\"role\":"
      + "\"user\",\"content\":\"hello there\"}]}";

  @TempDir
  static Path dir;
  static GatewayFixture f;
  static HttpServer liar;
  /** The streamed body the scripted upstream answers with, set by each test that uses it. */
  static volatile String script = "";

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir);
    liar = GatewayFixture.await(f.vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b ->
        req.response().putHeader("content-type", "text/event-stream").end(script))).listen(0));
    // the channel of model 'bulk' now points at the scripted upstream
    String config = Files.readString(f.configFile).replace("  - id: bulk\n    base_url: ${UPSTREAM}",
        "  - id: bulk\n    base_url: http://127.0.0.1:" + liar.actualPort() + "/v1");
    Files.writeString(f.configFile, config);
    HttpResponse<String> reloaded = f.post("/admin/config/reload", "", f.admin());
    assertThat(reloaded.statusCode()).as(reloaded.body()).isEqualTo(200);
  }

  @AfterAll
  static void stop() throws Exception {
    GatewayFixture.await(liar.close());
    f.close();
  }

  @AfterEach
  void ledgerStaysConsistent() {
    Wallets.assertVerified(f.store, System.currentTimeMillis());
  }

  // A usage object with zero (or far too few) tokens is believed: the request is free or nearly so

  @ParameterizedTest(name = "stream={0}")
  @ValueSource(booleans = {false, true})
  void aUsageOfZeroTokensDoesNotMakeTheRequestFree(boolean stream) throws Exception {
    Tenant t = Tenant.create(f, "zero");
    long before = Wallets.balance(f.store, t.accountId(), Bucket.RMB);

    HttpResponse<String> response = chat(t, stream ? STREAM : CHAT, "tokens=500,prompt_tokens=0,completion_tokens=0");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonObject receipt = receipt(t, response);
    assertThat(receipt.getLong("charged_micros")).as("500 words were delivered: " + receipt.getJsonObject("usage"))
        .isPositive();
    assertThat(before - Wallets.balance(f.store, t.accountId(), Bucket.RMB)).isPositive();
  }

  @Test
  void aCompletionFarBelowWhatWasDeliveredIsNotBelieved() throws Exception {
    Tenant t = Tenant.create(f, "under");

    HttpResponse<String> response = chat(t, CHAT, "tokens=500,completion_tokens=1");

    JsonObject usage = receipt(t, response).getJsonObject("usage");
    assertThat(usage.getLong("completion_tokens")).as("500 words were delivered; the gateway counts >= 500: " + usage)
        .isGreaterThanOrEqualTo(500L);
  }

  // A prompt count above the model's context window cannot be true, yet is charged

  @Test
  void aPromptCountAboveTheContextWindowIsNotCharged() throws Exception {
    Tenant t = Tenant.create(f, "window");

    // chat-a has a 32,000-token context window; the prompt is a few tokens
    HttpResponse<String> response = chat(t, CHAT, "tokens=5,prompt_tokens=64000");

    JsonObject usage = receipt(t, response).getJsonObject("usage");
    assertThat(usage.getLong("prompt_tokens")).as("no upstream reads more than the 32,000-token window: " + usage)
        .isLessThanOrEqualTo(32_000L);
  }

  // One lying answer inflates every tenant's holds on the route, past anything the upstream could bill

  @Test
  void oneLyingAnswerDoesNotRaiseOtherTenantsHoldsPastTheContextWindow() throws Exception {
    Tenant liarVictim = Tenant.create(f, "first");
    Tenant other = Tenant.create(f, "other");
    String quote = "{\"model\":\"solo\",\"prompt_tokens\":100000,\"max_tokens\":10}";
    long maxBefore = new JsonObject(f.post("/v1/quote", quote, other.bearer()).body()).getJsonObject("cost").getLong("max_micros");

    // one answer on the route 'solo' (128,000-token window, 1.00 per M input) claims 256,000 prompt tokens for "hi"
    chat(liarVictim, "{\"model\":\"solo\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        "tokens=5,prompt_tokens=256000");

    long maxAfter = new JsonObject(f.post("/v1/quote", quote, other.bearer()).body()).getJsonObject("cost").getLong("max_micros");
    // the whole 128,000-token window at 1.00 per M tokens plus 10 output tokens at 2.00: about 128,020 micros
    assertThat(maxAfter).as("before the lie: " + maxBefore + "; a prompt hold can never need more than the context window")
        .isLessThanOrEqualTo(128_000L + 20L + 1L);
  }

  // Usage arriving twice in a stream: the last one wins, even when it erases the first

  @Test
  void aSecondUsageChunkCannotEraseTheFirst() throws Exception {
    Tenant t = Tenant.create(f, "twice");
    StringBuilder words = new StringBuilder();
    for (int i = 0; i < 300; i++) {
      words.append("word ");
    }
    script = "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
        + "\"content\":\"" + words + "\"}}]}\n\n"
        + "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
        + "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":300,"
        + "\"total_tokens\":312}}\n\n"
        + "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":0,\"completion_tokens\":0,"
        + "\"total_tokens\":0}}\n\n"
        + "data: [DONE]\n\n";
    long before = Wallets.balance(f.store, t.accountId(), Bucket.RMB);

    HttpResponse<String> response = f.post("/v1/chat/completions", "{\"model\":\"bulk\",\"stream\":true,\"max_tokens\":400,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}", t.bearer());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonObject receipt = receipt(t, response);
    assertThat(receipt.getJsonObject("usage").getLong("completion_tokens")).as(receipt.encode()).isGreaterThanOrEqualTo(300L);
    assertThat(before - Wallets.balance(f.store, t.accountId(), Bucket.RMB)).isPositive();
  }

  // A legitimate retry races a reuse of its key with another body, and is refused as if it were the reuse

  @Test
  void aRetryWithTheOriginalBodyIsNeverRefusedAsAReuse() throws Exception {
    Tenant t = Tenant.create(f, "idem-mixed");
    String key = "mixed-" + System.nanoTime();
    String small = CHAT.replace("600", "50");
    assertThat(chat(t, small, "tokens=5", "idempotency-key", key).statusCode()).isEqualTo(200);
    String other = small.replace("hello there", "something else");
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    List<CompletableFuture<HttpResponse<String>>> originals = new ArrayList<>();
    List<CompletableFuture<HttpResponse<String>>> reuses = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      boolean original = i % 2 == 1;
      CompletableFuture<HttpResponse<String>> sent = client.sendAsync(HttpRequest.newBuilder(URI.create(f.url("/v1/chat/completions")))
          .header("authorization", "Bearer " + t.key()).header("content-type", "application/json")
          .header("idempotency-key", key).header("x-mock", "tokens=5").header("x-tollgate-route", "routed")
          .POST(HttpRequest.BodyPublishers.ofString(original ? small : other)).build(), HttpResponse.BodyHandlers.ofString());
      (original ? originals : reuses).add(sent);
    }

    for (CompletableFuture<HttpResponse<String>> r : reuses) {
      assertThat(r.get().statusCode()).as(r.get().body()).isEqualTo(409);
    }
    long refused = 0;
    for (CompletableFuture<HttpResponse<String>> r : originals) {
      refused += r.get().statusCode() == 200 ? 0 : 1;
    }
    assertThat(refused).as("retries with the key's own body refused with 409").isZero();
  }

  private static HttpResponse<String> chat(Tenant t, String body, String mock, String... headers) {
    return t.chatRouted(f, body, mock, headers);
  }

  private static JsonObject receipt(Tenant t, HttpResponse<String> response) {
    return t.receipt(f, response);
  }
}
