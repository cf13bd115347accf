package io.tollgate.providers;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lying Anthropic or Gemini upstream hides a negative count inside the sum its adapter makes (Anthropic's
 * input_tokens + cache counts, Gemini's candidates + thoughts or prompt + toolUse prompt): the translated OpenAI
 * usage looks believable, so ReportedUsage believes a usage built from a negative count.
 */
class LyingProviderUsageTest {
  private static final String BODY = "{\"model\":\"%s\",\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
      + "{\"role\":\"user\",\"content\":\"one two three four five six seven eight nine ten\"}]}";

  @TempDir
  static Path dir;
  static GatewayFixture f;
  static final AtomicReference<String> answer = new AtomicReference<>();

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir);
    f.replaceUpstream(req -> req.body().onSuccess(b -> req.response().putHeader("content-type", "application/json")
        .end(answer.get())));
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  static JsonObject receiptUsage(String model, String upstreamAnswer) {
    answer.set(upstreamAnswer);
    HttpResponse<String> response = f.post("/v1/chat/completions", String.format(BODY, model),
        "authorization", "Bearer " + f.key, "x-tollgate-route", "official");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    String id = response.headers().firstValue("x-tollgate-request-id").orElseThrow();
    HttpResponse<String> receipt = f.get("/v1/receipts/" + id, f.bearer());
    return new JsonObject(receipt.body()).getJsonObject("usage");
  }

  @Test
  void anthropicNegativeInputTokensHiddenByCacheReadIsNotBelieved() {
    // input_tokens -100: the prompt, 15 tokens, becomes 115 "cache reads" less 100, all billed at the cache price
    JsonObject usage = receiptUsage("claude-a", "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-a\","
        + "\"content\":[{\"type\":\"text\",\"text\":\"one two three four five\"}],\"stop_reason\":\"max_tokens\","
        + "\"usage\":{\"input_tokens\":-100,\"cache_read_input_tokens\":115,\"output_tokens\":5}}");
    assertThat(usage.getString("source")).as(usage.encode()).isNotEqualTo("measured");
  }

  @Test
  void anthropicFractionalInputTokensAreNotBelieved() {
    JsonObject usage = receiptUsage("claude-a", "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-a\","
        + "\"content\":[{\"type\":\"text\",\"text\":\"one two three four five\"}],\"stop_reason\":\"max_tokens\","
        + "\"usage\":{\"input_tokens\":15.9,\"output_tokens\":5.9}}");
    assertThat(usage.getString("source")).as(usage.encode()).isNotEqualTo("measured");
  }

  @Test
  void geminiNegativeThoughtsTokenCountIsNotBelieved() {
    JsonObject usage = receiptUsage("gem-a", "{\"responseId\":\"r1\",\"modelVersion\":\"gem-a\",\"candidates\":[{\"index\":0,"
        + "\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"one two three four five\"}]},\"finishReason\":\"MAX_TOKENS\"}],"
        + "\"usageMetadata\":{\"promptTokenCount\":15,\"candidatesTokenCount\":10,\"thoughtsTokenCount\":-5,"
        + "\"toolUsePromptTokenCount\":-1}}");
    assertThat(usage.getString("source")).as(usage.encode()).isNotEqualTo("measured");
  }
}
