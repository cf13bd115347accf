package io.tollgate.mock;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The mock speaks Anthropic's Messages API and Gemini's generateContent as those providers do, errors included. */
class MockProtocolsTest {
  private static final String MESSAGES = "{\"model\":\"m\",\"max_tokens\":4,\"system\":\"Be brief.\","
      + "\"messages\":[{\"role\":\"user\",\"content\":\"one two three\"}]}";
  private static final String CONTENTS = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"one two three\"}]}],"
      + "\"generationConfig\":{\"maxOutputTokens\":4}}";

  private static Vertx vertx;
  private static MockUpstream mock;
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    mock = await(MockUpstream.start(vertx, 0));
  }

  @AfterAll
  static void stop() throws Exception {
    await(mock.close());
    await(vertx.close());
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(mock.baseUrl() + path)).timeout(Duration.ofSeconds(10))
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> messages(String body, String... more) throws Exception {
    List<String> headers = new ArrayList<>(List.of("x-api-key", "k", "anthropic-version", "2023-06-01"));
    headers.addAll(List.of(more));
    return post("/messages", body, headers.toArray(String[]::new));
  }

  @Test
  void answersAMessagesRequestWithUsageInAnthropicsWords() throws Exception {
    HttpResponse<String> response = messages(MESSAGES);

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject message = new JsonObject(response.body());
    assertThat(message.getString("type")).isEqualTo("message");
    assertThat(message.getJsonArray("content").getJsonObject(0).getString("text").split(" ")).hasSize(4);
    assertThat(message.getString("stop_reason")).isEqualTo("max_tokens");
    // "Be brief." and one message of three words plus its framing
    assertThat(message.getJsonObject("usage").getLong("input_tokens")).isEqualTo(2 + 3 + 3);
    assertThat(message.getJsonObject("usage").getLong("output_tokens")).isEqualTo(4);
  }

  @Test
  void refusesAMessagesRequestWithoutMaxTokensOrCredentialAsAnthropicDoes() throws Exception {
    HttpResponse<String> noMax = messages(MESSAGES.replace("\"max_tokens\":4,", ""));
    HttpResponse<String> noKey = post("/messages", MESSAGES, "anthropic-version", "2023-06-01");

    assertThat(noMax.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(noMax.body()).getString("type")).isEqualTo("error");
    assertThat(new JsonObject(noMax.body()).getJsonObject("error").getString("type")).isEqualTo("invalid_request_error");
    assertThat(noKey.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(noKey.body()).getJsonObject("error").getString("type")).isEqualTo("authentication_error");
  }

  @Test
  void streamsAnthropicEventsAndFailsMidwayWithAnErrorEvent() throws Exception {
    String stream = MESSAGES.replace("{\"model\"", "{\"stream\":true,\"model\"");
    HttpResponse<String> whole = messages(stream);
    HttpResponse<String> failing = messages(stream, "x-mock", "error_after=2");

    assertThat(whole.body()).startsWith("event: message_start\n").contains("event: content_block_delta\n")
        .contains("\"stop_reason\":\"max_tokens\"").endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    assertThat(failing.body()).contains("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"")
        .doesNotContain("message_delta");
  }

  @Test
  void answersGenerateContentAndStreamsItAsServerSentEvents() throws Exception {
    HttpResponse<String> whole = post("/models/gem-x:generateContent", CONTENTS, "x-goog-api-key", "k");
    HttpResponse<String> streamed = post("/models/gem-x:streamGenerateContent?alt=sse", CONTENTS, "x-goog-api-key", "k");

    assertThat(whole.statusCode()).isEqualTo(200);
    JsonObject response = new JsonObject(whole.body());
    assertThat(response.getJsonArray("candidates").getJsonObject(0).getString("finishReason")).isEqualTo("MAX_TOKENS");
    assertThat(response.getJsonObject("usageMetadata").getLong("promptTokenCount")).isEqualTo(6);
    assertThat(response.getString("modelVersion")).isEqualTo("gem-x");
    assertThat(streamed.body().split("\r\n\r\n")).hasSize(5);
    assertThat(streamed.body()).doesNotContain("[DONE]").contains("\"finishReason\":\"MAX_TOKENS\"");
    assertThat(mock.requestCount("gem-x")).isEqualTo(2);
  }

  @Test
  void refusesGeminiWithoutItsKeyHeaderInGooglesErrorShape() throws Exception {
    HttpResponse<String> response = post("/models/gem-x:generateContent", CONTENTS, "authorization", "Bearer k");
    HttpResponse<String> scripted = post("/models/gem-x:generateContent", CONTENTS, "x-goog-api-key", "k", "x-mock", "status=429");

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(response.body()).getJsonObject("error").getString("status")).isEqualTo("UNAUTHENTICATED");
    assertThat(scripted.statusCode()).isEqualTo(429);
    assertThat(new JsonObject(scripted.body()).getJsonObject("error").getString("status")).isEqualTo("RESOURCE_EXHAUSTED");
  }
}
