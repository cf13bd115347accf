package io.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatCompletionsTest {
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

  @Test
  void servesJsonCompletionWithReceiptHeaders() {
    HttpResponse<String> response = f.chat("""
        {"model":"chat-a","messages":[{"role":"user","content":"hello there"}],"max_tokens":10}""");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(response.body());
    assertThat(body.getString("object")).isEqualTo("chat.completion");
    assertThat(body.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content")).isNotBlank();
    assertThat(response.headers().firstValue("x-tollgate-request-id")).hasValueSatisfying(id -> assertThat(id).startsWith("req_"));
    assertThat(response.headers().firstValue("x-tollgate-route")).hasValue("routed");
    assertThat(response.headers().firstValue("x-tollgate-leg")).hasValue("primary");
    assertThat(response.headers().firstValue("x-tollgate-upstream-model")).hasValue("up-a-routed");
    assertThat(response.headers().firstValue("x-tollgate-fallback")).hasValue("false");
    assertThat(response.headers().firstValue("x-tollgate-bucket")).hasValue("RMB");
    JsonObject usage = body.getJsonObject("usage");
    // routed chat-a: 3.00 in / 6.00 out per million tokens, rounded up once
    long expected = ceilDiv(usage.getLong("prompt_tokens") * 3_000_000L + usage.getLong("completion_tokens") * 6_000_000L, 1_000_000L);
    assertThat(response.headers().firstValue("x-tollgate-cost")).hasValue(Long.toString(expected));
  }

  @Test
  void passesToolsJsonModeAndContentPartsThrough() {
    HttpResponse<String> tools = f.chat("""
        {"model":"chat-a","messages":[{"role":"user","content":[{"type":"text","text":"weather?"}]}],
         "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]}""");
    assertThat(tools.statusCode()).isEqualTo(200);
    JsonObject message = new JsonObject(tools.body()).getJsonArray("choices").getJsonObject(0).getJsonObject("message");
    assertThat(message.getJsonArray("tool_calls").getJsonObject(0).getJsonObject("function").getString("name")).isEqualTo("get_weather");

    HttpResponse<String> json = f.chat("""
        {"model":"chat-a","messages":[{"role":"user","content":"json please"}],"response_format":{"type":"json_object"}}""");
    assertThat(json.statusCode()).isEqualTo(200);
    String content = new JsonObject(json.body()).getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content");
    assertThat(new JsonObject(content)).isNotNull();
  }

  @Test
  void streamsChunksAndHidesTheUsageChunkUnlessAsked() {
    HttpResponse<String> response = f.chat("""
        {"model":"chat-a","stream":true,"max_tokens":6,"messages":[{"role":"user","content":"count"}]}""");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    List<String> events = events(response.body());
    assertThat(events).last().isEqualTo("[DONE]");
    List<JsonObject> chunks = chunks(events);
    assertThat(chunks).hasSizeGreaterThan(3);
    assertThat(chunks).allSatisfy(c -> assertThat(c.getValue("usage")).isNull());
    assertThat(text(chunks)).isNotBlank();
  }

  @Test
  void streamsTheUsageChunkWhenTheClientAsksForIt() {
    HttpResponse<String> response = f.chat("""
        {"model":"chat-a","stream":true,"stream_options":{"include_usage":true},"max_tokens":6,
         "messages":[{"role":"user","content":"count"}]}""");

    List<JsonObject> chunks = chunks(events(response.body()));
    JsonObject last = chunks.get(chunks.size() - 1);
    assertThat(last.getJsonArray("choices")).isEmpty();
    assertThat(last.getJsonObject("usage").getLong("completion_tokens")).isEqualTo(6L);
  }

  @Test
  void servesEmbeddings() {
    HttpResponse<String> response = f.post("/v1/embeddings", """
        {"model":"embed-a","input":["one","two"]}""", f.bearer());

    assertThat(response.statusCode()).isEqualTo(200);
    JsonArray data = new JsonObject(response.body()).getJsonArray("data");
    assertThat(data).hasSize(2);
    assertThat(data.getJsonObject(0).getJsonArray("embedding")).isNotEmpty();
    assertThat(response.headers().firstValue("x-tollgate-upstream-model")).hasValue("up-embed");
    assertThat(response.headers().firstValue("x-tollgate-bucket")).hasValue("CREDIT");
  }

  @Test
  void admitsEmbeddingsWhoseInputsEachFitTheContextWindowThoughTheirSumDoesNot() {
    String ids = BadInputTest.tokenIds(3_000);
    HttpResponse<String> response = f.post("/v1/embeddings",
        "{\"model\":\"embed-a\",\"input\":[" + ids + "," + ids + "," + ids + "]}", f.bearer());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(new JsonObject(response.body()).getJsonArray("data")).hasSize(3);
    String id = response.headers().firstValue("x-tollgate-request-id").orElseThrow();
    JsonObject receipt = new JsonObject(f.get("/v1/receipts/" + id, f.bearer()).body());
    // the hold is sized on all 9,000 tokens at 0.02 per million (180 micro-units), not on one input
    assertThat(receipt.getLong("hold_micros")).isGreaterThanOrEqualTo(180L);
  }

  @Test
  void recordsAReceiptForEverySuccessfulRequest() {
    HttpResponse<String> response = f.chat("""
        {"model":"chat-a","messages":[{"role":"user","content":"receipt me"}]}""");
    String id = response.headers().firstValue("x-tollgate-request-id").orElseThrow();

    HttpResponse<String> receipt = f.get("/v1/receipts/" + id, f.bearer());

    assertThat(receipt.statusCode()).isEqualTo(200);
    JsonObject r = new JsonObject(receipt.body());
    assertThat(r.getString("outcome")).isEqualTo("succeeded");
    assertThat(r.getString("requested_model")).isEqualTo("chat-a");
    assertThat(r.getString("upstream_model")).isEqualTo("up-a-routed");
    assertThat(r.getString("bucket")).isEqualTo("RMB");
    assertThat(r.getJsonObject("usage").getString("source")).isEqualTo("measured");
    assertThat(r.getJsonArray("attempts")).hasSize(1);
    assertThat(r.getLong("cost_micros")).isEqualTo(Long.parseLong(response.headers().firstValue("x-tollgate-cost").orElseThrow()));
  }

  static List<String> events(String body) {
    List<String> out = new ArrayList<>();
    for (String block : body.split("\n\n")) {
      if (block.startsWith("data: ")) {
        out.add(block.substring(6).trim());
      }
    }
    return out;
  }

  static List<JsonObject> chunks(List<String> events) {
    return events.stream().filter(e -> !e.equals("[DONE]")).map(JsonObject::new).toList();
  }

  static String text(List<JsonObject> chunks) {
    StringBuilder out = new StringBuilder();
    for (JsonObject chunk : chunks) {
      JsonArray choices = chunk.getJsonArray("choices");
      if (choices != null && !choices.isEmpty() && choices.getJsonObject(0).getJsonObject("delta") != null) {
        out.append(choices.getJsonObject(0).getJsonObject("delta").getString("content", ""));
      }
    }
    return out.toString();
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
