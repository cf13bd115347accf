package io.tollgate.providers;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.tollgate.testing.Wallets;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Chat completions served by Anthropic- and Gemini-kind legs (the scriptable upstream speaking their protocols):
 * the client sees OpenAI's shapes, the usage the provider reported is what is charged, and a failing leg falls
 * back to a leg of another kind within one receipt.
 */
class ProviderLegsTest {
  private static final String WORDS = "one two three four five six seven eight nine ten";

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
  void resetCounts() {
    f.upstream.resetCounts();
  }

  static String chat(String model, boolean stream, String extra) {
    return "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
        + "{\"role\":\"user\",\"content\":\"" + WORDS + "\"}]" + extra + "}";
  }

  static HttpResponse<String> official(String body, String... mock) {
    List<String> headers = new ArrayList<>(List.of("authorization", "Bearer " + f.key, "x-tollgate-route", "official"));
    if (mock.length > 0) {
      headers.add("x-mock");
      headers.add(mock[0]);
    }
    return f.post("/v1/chat/completions", body, headers.toArray(String[]::new));
  }

  static JsonObject receipt(HttpResponse<String> response) {
    String id = response.headers().firstValue("x-tollgate-request-id").orElseThrow();
    HttpResponse<String> receipt = f.get("/v1/receipts/" + id, f.bearer());
    assertThat(receipt.statusCode()).isEqualTo(200);
    return new JsonObject(receipt.body());
  }

  /** The data events of an OpenAI stream, [DONE] as the string. */
  static List<Object> events(String body) {
    List<Object> out = new ArrayList<>();
    for (String event : body.split("\n\n")) {
      if (event.startsWith("data: ")) {
        String data = event.substring(6);
        out.add(data.equals("[DONE]") ? data : new JsonObject(data));
      }
    }
    return out;
  }

  static String content(List<Object> events) {
    StringBuilder text = new StringBuilder();
    for (Object e : events) {
      if (e instanceof JsonObject chunk && chunk.getJsonArray("choices") != null) {
        for (Object c : chunk.getJsonArray("choices")) {
          Object piece = ((JsonObject) c).getJsonObject("delta").getValue("content");
          if (piece instanceof String s) {
            text.append(s);
          }
        }
      }
    }
    return text.toString();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"claude-a:up-claude", "gem-a:up-gem"})
  void answersInOpenAiShapeAndChargesTheReportedUsage(String modelAndUpstream) {
    String model = modelAndUpstream.split(":")[0];
    HttpResponse<String> response = official(chat(model, false, ",\"max_tokens\":5"));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonObject completion = new JsonObject(response.body());
    assertThat(completion.getString("object")).isEqualTo("chat.completion");
    assertThat(completion.getString("model")).isEqualTo(model);
    JsonObject choice = completion.getJsonArray("choices").getJsonObject(0);
    assertThat(choice.getJsonObject("message").getString("content").split(" ")).hasSize(5);
    assertThat(choice.getString("finish_reason")).isEqualTo("length");
    // the mock counts words, and 3 per message: "Be brief." (a system instruction, no message) and ten words
    assertThat(completion.getJsonObject("usage").getLong("prompt_tokens")).isEqualTo(2 + 3 + 10);
    assertThat(completion.getJsonObject("usage").getLong("completion_tokens")).isEqualTo(5);
    assertThat(response.headers().firstValue("x-tollgate-upstream-model")).hasValue(modelAndUpstream.split(":")[1]);
    JsonObject receipt = receipt(response);
    assertThat(receipt.getJsonObject("usage").getString("source")).isEqualTo("measured");
    assertThat(receipt.getJsonObject("usage").getLong("prompt_tokens")).isEqualTo(15);
    assertThat(receipt.getBoolean("charged")).isTrue();
    assertThat(f.upstream.requestCount(modelAndUpstream.split(":")[1])).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"claude-a", "gem-a"})
  void streamsChunkByChunkWithUsageMeasured(String model) {
    HttpResponse<String> response = official(chat(model, true, ",\"max_tokens\":6,\"stream_options\":{\"include_usage\":true}"));

    assertThat(response.statusCode()).isEqualTo(200);
    List<Object> events = events(response.body());
    assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
    assertThat(content(events).trim().split(" ")).hasSize(6);
    JsonObject usage = (JsonObject) events.get(events.size() - 2);
    assertThat(usage.getJsonObject("usage").getLong("completion_tokens")).isEqualTo(6);
    assertThat(usage.getString("model")).isEqualTo(model);
    JsonObject receipt = receipt(response);
    assertThat(receipt.getString("outcome")).isEqualTo("succeeded");
    assertThat(receipt.getJsonObject("usage").getString("source")).isEqualTo("measured");
    assertThat(receipt.getJsonObject("usage").getLong("completion_tokens")).isEqualTo(6);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"claude-a", "gem-a"})
  void turnsAToolCallStreamedInPiecesIntoOpenAiToolCalls(String model) {
    String tools = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"parameters\":{\"type\":\"object\"}}}]";
    HttpResponse<String> whole = official(chat(model, false, tools));
    HttpResponse<String> streamed = official(chat(model, true, tools));

    JsonObject message = new JsonObject(whole.body()).getJsonArray("choices").getJsonObject(0).getJsonObject("message");
    assertThat(message.getJsonArray("tool_calls").getJsonObject(0).getJsonObject("function").getString("name")).isEqualTo("lookup");
    assertThat(new JsonObject(whole.body()).getJsonArray("choices").getJsonObject(0).getString("finish_reason")).isEqualTo("tool_calls");
    StringBuilder arguments = new StringBuilder();
    String name = null;
    String finish = null;
    for (Object e : events(streamed.body())) {
      if (e instanceof JsonObject chunk && !chunk.getJsonArray("choices").isEmpty()) {
        JsonObject choice = chunk.getJsonArray("choices").getJsonObject(0);
        finish = choice.getString("finish_reason", finish);
        JsonArray calls = choice.getJsonObject("delta").getJsonArray("tool_calls");
        if (calls != null) {
          JsonObject function = calls.getJsonObject(0).getJsonObject("function");
          name = function.getString("name", name);
          arguments.append(function.getString("arguments", ""));
        }
      }
    }
    assertThat(name).isEqualTo("lookup");
    assertThat(new JsonObject(arguments.toString())).isEqualTo(new JsonObject());
    assertThat(finish).isEqualTo("tool_calls");
  }

  @Test
  void passesAnAnthropicRefusalThroughWithoutFallingBack() {
    HttpResponse<String> response = official(chat("claude-a", false, ""), "status=400,when_model=up-claude");

    assertThat(response.statusCode()).isEqualTo(400);
    JsonObject error = new JsonObject(response.body()).getJsonObject("error");
    assertThat(error.getString("type")).isEqualTo("invalid_request_error");
    assertThat(error.getString("message")).contains("Simulated upstream error with status 400").contains("Receipt: req_");
    assertThat(f.upstream.requestCount("up-claude-backup")).isZero();
  }

  @Test
  void endsAnAnthropicStreamThatFailsMidwayWithAnErrorEventAndChargesWhatWasGenerated() {
    HttpResponse<String> response = official(chat("claude-a", true, ""), "error_after=3,when_model=up-claude");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\"error\"").contains("overloaded").doesNotContain("[DONE]");
    assertThat(content(events(response.body()))).isNotEmpty();
    JsonObject receipt = receipt(response);
    assertThat(receipt.getString("outcome")).isEqualTo("failed");
    assertThat(receipt.getJsonObject("usage").getString("source")).isEqualTo("estimated");
    assertThat(f.upstream.requestCount("up-claude-backup")).isZero();
  }

  @Test
  void fallsBackFromAGeminiStreamCutBeforeItsFirstByte() {
    HttpResponse<String> response = official(chat("gem-a", true, ""), "drop_after=0,when_model=up-gem");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-tollgate-upstream-model")).hasValue("up-gem-backup");
    JsonObject first = receipt(response).getJsonArray("attempts").getJsonObject(0);
    assertThat(first.getString("channel")).isEqualTo("gem");
    assertThat(first.getString("outcome")).isNotEqualTo("ok");
  }

  @Test
  void fallsBackFromAnAnthropicPrimaryToAnOpenAiBackupInOneReceiptChargedOnce() {
    Tenant t = Tenant.create(f, "anthropic-fallback");
    long before = Wallets.balance(f.store, t.accountId(), Bucket.CREDIT);

    HttpResponse<String> response = f.post("/v1/chat/completions", chat("claude-a", false, ""), "authorization", "Bearer " + t.key(),
        "x-tollgate-route", "official", "x-mock", "status=529,when_model=up-claude");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-tollgate-fallback")).hasValue("true");
    assertThat(response.headers().firstValue("x-tollgate-upstream-model")).hasValue("up-claude-backup");
    JsonObject receipt = t.receipt(f, response);
    JsonArray attempts = receipt.getJsonArray("attempts");
    assertThat(attempts).hasSize(2);
    assertThat(attempts.getJsonObject(0).getString("channel")).isEqualTo("claude");
    assertThat(attempts.getJsonObject(0).getString("outcome")).isEqualTo("http_5xx");
    assertThat(attempts.getJsonObject(0).getBoolean("charged")).isFalse();
    assertThat(attempts.getJsonObject(1).getString("channel")).isEqualTo("main");
    assertThat(attempts.getJsonObject(1).getBoolean("charged")).isTrue();
    assertThat(receipt.getString("bucket")).isEqualTo("CREDIT");
    long charged = receipt.getLong("charged_micros");
    assertThat(charged).isPositive();
    assertThat(before - Wallets.balance(f.store, t.accountId(), Bucket.CREDIT)).isEqualTo(charged);
    assertThat(Wallets.wallet(f.store, t.accountId(), Bucket.RMB).held()).isZero();
    assertThat(Wallets.wallet(f.store, t.accountId(), Bucket.CREDIT).held()).isZero();
  }

  @Test
  void fallsBackFromAnOpenAiPrimaryToAnAnthropicBackupInTheRoutedBucket() {
    Tenant t = Tenant.create(f, "openai-to-anthropic");
    long before = Wallets.balance(f.store, t.accountId(), Bucket.RMB);

    HttpResponse<String> response = f.post("/v1/chat/completions", chat("claude-a", true, ""), "authorization", "Bearer " + t.key(),
        "x-tollgate-route", "routed", "x-mock", "status=503,when_model=up-claude-routed");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).endsWith("data: [DONE]\n\n");
    assertThat(response.headers().firstValue("x-tollgate-upstream-model")).hasValue("up-claude-routed-backup");
    JsonObject receipt = t.receipt(f, response);
    assertThat(receipt.getJsonArray("attempts")).hasSize(2);
    assertThat(receipt.getJsonArray("attempts").getJsonObject(1).getString("channel")).isEqualTo("claude");
    assertThat(receipt.getString("bucket")).isEqualTo("RMB");
    assertThat(receipt.getJsonObject("usage").getString("source")).isEqualTo("measured");
    assertThat(before - Wallets.balance(f.store, t.accountId(), Bucket.RMB)).isEqualTo(receipt.getLong("charged_micros"));
  }
}
