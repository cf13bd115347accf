package io.tollgate.providers;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/messages} and {@code /v1/messages/count_tokens}: Anthropic's shapes in and out, served by the
 * catalog's routes whatever kind their legs are, with receipts and errors like any other request.
 */
class MessagesEndpointTest {
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

  static String body(String model, boolean stream, String extra) {
    return "{\"model\":\"" + model + "\",\"max_tokens\":5,\"stream\":" + stream + ",\"system\":\"Be brief.\","
        + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"one two three\"}]}]" + extra + "}";
  }

  static HttpResponse<String> messages(String body, String... headers) {
    List<String> all = new ArrayList<>(List.of("x-api-key", f.key, "anthropic-version", "2023-06-01"));
    all.addAll(List.of(headers));
    return f.post("/v1/messages", body, all.toArray(String[]::new));
  }

  /** The events of an Anthropic stream as their data objects, in order. */
  static List<JsonObject> events(String stream) {
    List<JsonObject> out = new ArrayList<>();
    for (String frame : stream.split("\n\n")) {
      String[] lines = frame.split("\n");
      if (lines.length == 2 && lines[0].startsWith("event: ") && lines[1].startsWith("data: ")) {
        JsonObject data = new JsonObject(lines[1].substring(6));
        assertThat(data.getString("type")).isEqualTo(lines[0].substring(7));
        out.add(data);
      }
    }
    return out;
  }

  static List<String> types(List<JsonObject> events) {
    return events.stream().map(e -> e.getString("type")).toList();
  }

  @Test
  void answersInAnthropicsShapeFromAnAnthropicLeg() {
    HttpResponse<String> response = messages(body("claude-a", false, ""), "x-tollgate-route", "official");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonObject message = new JsonObject(response.body());
    assertThat(message.getString("type")).isEqualTo("message");
    assertThat(message.getString("model")).isEqualTo("claude-a");
    assertThat(message.getJsonArray("content").getJsonObject(0).getString("text").split(" ")).hasSize(5);
    assertThat(message.getString("stop_reason")).isEqualTo("max_tokens");
    assertThat(message.getJsonObject("usage").getLong("input_tokens")).isEqualTo(2 + 3 + 3);
    assertThat(message.getJsonObject("usage").getLong("output_tokens")).isEqualTo(5);
    assertThat(response.headers().firstValue("x-tollgate-upstream-model")).hasValue("up-claude");
    JsonObject receipt = receipt(response);
    assertThat(receipt.getString("endpoint")).isEqualTo("messages");
    assertThat(receipt.getBoolean("charged")).isTrue();
  }

  @Test
  void answersFromAnOpenAiLegWithTheKeyAsBearer() {
    HttpResponse<String> response = f.post("/v1/messages", body("chat-a", false, ""), "authorization", "Bearer " + f.key);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonObject message = new JsonObject(response.body());
    assertThat(message.getString("id")).startsWith("msg_");
    assertThat(message.getJsonArray("content").getJsonObject(0).getString("type")).isEqualTo("text");
    assertThat(response.headers().firstValue("x-tollgate-upstream-model")).hasValue("up-a-routed");
  }

  @Test
  void streamsAnthropicEventsWithUsageInMessageDelta() {
    HttpResponse<String> response = messages(body("chat-a", true, ""));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream");
    List<JsonObject> events = events(response.body());
    List<String> types = types(events);
    assertThat(types.get(0)).isEqualTo("message_start");
    assertThat(types.get(1)).isEqualTo("content_block_start");
    assertThat(types.subList(types.size() - 3, types.size())).containsExactly("content_block_stop", "message_delta", "message_stop");
    StringBuilder text = new StringBuilder();
    events.stream().filter(e -> e.getString("type").equals("content_block_delta"))
        .forEach(e -> text.append(e.getJsonObject("delta").getString("text")));
    assertThat(text.toString().trim().split(" ")).hasSize(5);
    JsonObject delta = events.get(events.size() - 2);
    assertThat(delta.getJsonObject("delta").getString("stop_reason")).isEqualTo("max_tokens");
    assertThat(delta.getJsonObject("usage").getLong("output_tokens")).isEqualTo(5);
    assertThat(delta.getJsonObject("usage").getLong("input_tokens")).isPositive();
    assertThat(response.body()).doesNotContain("[DONE]");
  }

  @Test
  void streamsAToolCallAsAToolUseBlockWithItsInputInPieces() {
    String tools = ",\"tools\":[{\"name\":\"lookup\",\"input_schema\":{\"type\":\"object\"}}],\"tool_choice\":{\"type\":\"any\"}";
    HttpResponse<String> streamed = messages(body("claude-a", true, tools), "x-tollgate-route", "official");
    HttpResponse<String> whole = messages(body("chat-a", false, tools));

    List<JsonObject> events = events(streamed.body());
    JsonObject start = events.stream().filter(e -> e.getString("type").equals("content_block_start")).findFirst().orElseThrow();
    assertThat(start.getJsonObject("content_block").getString("type")).isEqualTo("tool_use");
    assertThat(start.getJsonObject("content_block").getString("name")).isEqualTo("lookup");
    StringBuilder input = new StringBuilder();
    events.stream().filter(e -> e.getString("type").equals("content_block_delta"))
        .forEach(e -> input.append(e.getJsonObject("delta").getString("partial_json")));
    assertThat(new JsonObject(input.toString())).isEqualTo(new JsonObject());
    assertThat(events.get(events.size() - 2).getJsonObject("delta").getString("stop_reason")).isEqualTo("tool_use");
    JsonObject block = new JsonObject(whole.body()).getJsonArray("content").getJsonObject(0);
    assertThat(block.getString("type")).isEqualTo("tool_use");
    assertThat(block.getJsonObject("input")).isEqualTo(new JsonObject());
  }

  @Test
  void endsAStreamThatFailsMidwayWithAnErrorEvent() {
    HttpResponse<String> response = messages(body("claude-a", true, ""), "x-tollgate-route", "official",
        "x-mock", "error_after=2,when_model=up-claude");

    List<JsonObject> events = events(response.body());
    assertThat(events.get(events.size() - 1).getString("type")).isEqualTo("error");
    assertThat(events.get(events.size() - 1).getJsonObject("error").getString("type")).isEqualTo("api_error");
    assertThat(types(events)).doesNotContain("message_stop");
    assertThat(receipt(response).getString("outcome")).isEqualTo("failed");
  }

  @Test
  void refusesInAnthropicsErrorShape() {
    HttpResponse<String> noKey = f.post("/v1/messages", body("chat-a", false, ""));
    HttpResponse<String> noMaxTokens = messages(body("chat-a", false, "").replace("\"max_tokens\":5,", ""));
    HttpResponse<String> unknownModel = messages(body("no-such-model", false, ""));
    HttpResponse<String> allFailed = messages(body("chat-a", false, ""), "x-mock", "status=503");

    assertThat(noKey.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(noKey.body()).getString("type")).isEqualTo("error");
    assertThat(new JsonObject(noKey.body()).getJsonObject("error").getString("type")).isEqualTo("authentication_error");
    assertThat(noMaxTokens.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(noMaxTokens.body()).getJsonObject("error").getString("message")).contains("max_tokens");
    assertThat(new JsonObject(unknownModel.body()).getJsonObject("error").getString("type")).isIn("not_found_error", "invalid_request_error");
    assertThat(allFailed.statusCode()).isEqualTo(502);
    assertThat(new JsonObject(allFailed.body()).getJsonObject("error").getString("type")).isEqualTo("api_error");
    assertThat(new JsonObject(allFailed.body()).getJsonObject("error").getString("message")).contains("Receipt: req_");
  }

  @Test
  void countsTokensWithoutCallingAnyUpstream() {
    long before = f.upstream.requestCount();
    HttpResponse<String> counted = f.post("/v1/messages/count_tokens", body("claude-a", false, "").replace("\"max_tokens\":5,", ""),
        "x-api-key", f.key);
    HttpResponse<String> longer = f.post("/v1/messages/count_tokens",
        body("claude-a", false, "").replace("one two three", "one two three four five six seven eight nine ten"), "x-api-key", f.key);

    assertThat(counted.statusCode()).as(counted.body()).isEqualTo(200);
    long tokens = new JsonObject(counted.body()).getLong("input_tokens");
    assertThat(tokens).isPositive();
    assertThat(new JsonObject(longer.body()).getLong("input_tokens")).isGreaterThan(tokens);
    assertThat(f.upstream.requestCount()).isEqualTo(before);
  }

  @Test
  void refusesABodyTooLargeInAnthropicsShape() {
    HttpResponse<String> response = messages(body("chat-a", false, "").replace("one two three", "x".repeat(70_000)));

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(new JsonObject(response.body()).getJsonObject("error").getString("type")).isEqualTo("request_too_large");
  }

  static JsonObject receipt(HttpResponse<String> response) {
    String id = response.headers().firstValue("x-tollgate-request-id").orElseThrow();
    return new JsonObject(f.get("/v1/receipts/" + id, f.bearer()).body());
  }
}
