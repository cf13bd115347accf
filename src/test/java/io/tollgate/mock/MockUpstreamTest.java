package io.tollgate.mock;

import static io.tollgate.mock.MockHttp.chatBody;
import static io.tollgate.mock.MockHttp.events;
import static io.tollgate.mock.MockHttp.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MockUpstreamTest {

  private static final String CHAT = "/chat/completions";
  private static final String EMBEDDINGS = "/embeddings";

  private static Vertx vertx;
  private MockUpstream mock;
  private MockHttp http;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() throws Exception {
    await(vertx.close());
  }

  @BeforeEach
  void startMock() throws Exception {
    mock = await(MockUpstream.start(vertx, 0));
    http = new MockHttp(mock.baseUrl());
  }

  @AfterEach
  void closeMock() throws Exception {
    await(mock.close());
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void listensOnLoopbackWithTheV1BaseUrl() {
    assertThat(mock.port()).isPositive();
    assertThat(mock.baseUrl()).isEqualTo("http://127.0.0.1:" + mock.port() + "/v1");
  }

  @Test
  void answersChatCompletionInOpenAiShape() throws Exception {
    JsonObject body = new JsonObject().put("model", "mock-small").put("messages", new JsonArray()
        .add(message("system", "You are terse."))
        .add(message("user", "Say hello to me")));

    HttpResponse<String> response = http.post(CHAT, body, null);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonObject completion = new JsonObject(response.body());
    assertThat(completion.getString("id")).startsWith("chatcmpl-");
    assertThat(completion.getString("object")).isEqualTo("chat.completion");
    assertThat(completion.getLong("created")).isPositive();
    assertThat(completion.getString("model")).isEqualTo("mock-small");
    JsonObject choice = completion.getJsonArray("choices").getJsonObject(0);
    assertThat(choice.getString("finish_reason")).isEqualTo("stop");
    JsonObject message = choice.getJsonObject("message");
    assertThat(message.getString("role")).isEqualTo("assistant");
    assertThat(message.getString("content")).startsWith("Simulated reply from mock-small: lorem");
    assertThat(message.getString("content").split(" ")).hasSize(16);
    assertThat(completion.getJsonObject("usage")).isEqualTo(new JsonObject()
        .put("prompt_tokens", (3 + 3) + (4 + 3))
        .put("completion_tokens", 16)
        .put("total_tokens", 13 + 16));
  }

  @Test
  void countsTextPartsOfContentArraysAsPromptTokens() throws Exception {
    JsonArray parts = new JsonArray()
        .add(new JsonObject().put("type", "text").put("text", "describe this"))
        .add(new JsonObject().put("type", "image_url")
            .put("image_url", new JsonObject().put("url", "https://example.com/a.png")));
    JsonObject body = new JsonObject().put("model", "m")
        .put("messages", new JsonArray().add(message("user", parts)));

    JsonObject usage = new JsonObject(http.post(CHAT, body, null).body()).getJsonObject("usage");

    assertThat(usage.getInteger("prompt_tokens")).isEqualTo(2 + 3);
  }

  @Test
  void answersNChoicesAndCountsTheCompletionTokensOfAll() throws Exception {
    JsonObject one = new JsonObject(http.post(CHAT, chatBody("m", "hi"), null).body());
    JsonObject three = new JsonObject(http.post(CHAT, chatBody("m", "hi").put("n", 3), null).body());

    assertThat(three.getJsonArray("choices")).hasSize(3);
    assertThat(three.getJsonArray("choices").getJsonObject(2).getInteger("index")).isEqualTo(2);
    assertThat(three.getJsonObject("usage").getInteger("completion_tokens"))
        .isEqualTo(3 * one.getJsonObject("usage").getInteger("completion_tokens"));
    String stream = http.post(CHAT, chatBody("m", "hi").put("n", 2).put("stream", true), null).body();
    assertThat(stream).contains("\"index\":1,\"delta\":{\"role\":\"assistant\"").contains("[DONE]");
    assertThat(http.post(CHAT, chatBody("m", "hi").put("n", 129), null).statusCode()).isEqualTo(400);
  }

  @Test
  void capsCompletionAtMaxTokensWithFinishReasonLength() throws Exception {
    JsonObject capped = chatBody("m", "hi").put("max_tokens", 5);
    JsonObject cappedNewStyle = chatBody("m", "hi").put("max_completion_tokens", 4);

    JsonObject choice = firstChoice(http.post(CHAT, capped, null));
    JsonObject newStyleChoice = firstChoice(http.post(CHAT, cappedNewStyle, null));

    assertThat(choice.getString("finish_reason")).isEqualTo("length");
    assertThat(choice.getJsonObject("message").getString("content"))
        .isEqualTo("Simulated reply from m: lorem");
    assertThat(newStyleChoice.getJsonObject("message").getString("content").split(" ")).hasSize(4);
  }

  @Test
  void producesTheScriptedNumberOfTokensUnderTheCap() throws Exception {
    HttpResponse<String> longer = http.post(CHAT, chatBody("m", "hi"), "tokens=40");
    HttpResponse<String> capped =
        http.post(CHAT, chatBody("m", "hi").put("max_tokens", 10), "tokens=3");

    assertThat(new JsonObject(longer.body()).getJsonObject("usage").getInteger("completion_tokens"))
        .isEqualTo(40);
    assertThat(firstChoice(longer).getJsonObject("message").getString("content").split(" "))
        .hasSize(40);
    assertThat(firstChoice(capped).getString("finish_reason")).isEqualTo("stop");
    assertThat(firstChoice(capped).getJsonObject("message").getString("content"))
        .isEqualTo("Simulated reply from");
  }

  @Test
  void streamsRoleThenOneChunkPerTokenThenFinishThenDone() throws Exception {
    HttpResponse<String> response =
        http.post(CHAT, chatBody("mock-small", "hi").put("stream", true), "tokens=5");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("text/event-stream"));
    assertThat(response.body()).endsWith("data: [DONE]\n\n");
    List<String> events = events(response.body());
    assertThat(events).hasSize(1 + 5 + 1 + 1);
    List<JsonObject> chunks = events.subList(0, 7).stream().map(JsonObject::new).toList();
    assertThat(chunks).allSatisfy(chunk -> {
      assertThat(chunk.getString("object")).isEqualTo("chat.completion.chunk");
      assertThat(chunk.getString("model")).isEqualTo("mock-small");
      assertThat(chunk.getString("id")).isEqualTo(chunks.get(0).getString("id"));
      assertThat(chunk.containsKey("usage")).isFalse();
    });
    assertThat(delta(chunks.get(0)).getString("role")).isEqualTo("assistant");
    StringBuilder text = new StringBuilder();
    chunks.subList(1, 6).forEach(chunk -> text.append(delta(chunk).getString("content")));
    assertThat(text).hasToString("Simulated reply from mock-small: lorem ");
    JsonObject last = chunks.get(6).getJsonArray("choices").getJsonObject(0);
    assertThat(last.getString("finish_reason")).isEqualTo("stop");
    assertThat(last.getJsonObject("delta")).isEqualTo(new JsonObject());
  }

  @Test
  void streamsUsageChunkWithoutChoicesWhenIncludeUsageIsSet() throws Exception {
    JsonObject body = chatBody("m", "one two").put("stream", true).put("max_tokens", 3)
        .put("stream_options", new JsonObject().put("include_usage", true));

    List<String> events = events(http.post(CHAT, body, null).body());

    assertThat(events).hasSize(1 + 3 + 1 + 1 + 1);
    assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
    JsonObject finish = new JsonObject(events.get(4));
    assertThat(finish.getJsonArray("choices").getJsonObject(0).getString("finish_reason"))
        .isEqualTo("length");
    JsonObject usageChunk = new JsonObject(events.get(5));
    assertThat(usageChunk.getJsonArray("choices")).isEmpty();
    assertThat(usageChunk.getJsonObject("usage")).isEqualTo(new JsonObject()
        .put("prompt_tokens", 5).put("completion_tokens", 3).put("total_tokens", 8));
  }

  @Test
  void omitsUsageWhenScriptedWithNoUsage() throws Exception {
    JsonObject streamed = chatBody("m", "hi").put("stream", true)
        .put("stream_options", new JsonObject().put("include_usage", true));

    HttpResponse<String> json = http.post(CHAT, chatBody("m", "hi"), "no_usage=true");
    List<String> events = events(http.post(CHAT, streamed, "no_usage=true;tokens=2").body());

    assertThat(new JsonObject(json.body()).containsKey("usage")).isFalse();
    assertThat(events).hasSize(1 + 2 + 1 + 1);
    assertThat(events).noneSatisfy(event -> assertThat(event).contains("\"prompt_tokens\""));
  }

  @Test
  void callsTheFirstToolWhenToolsAreOffered() throws Exception {
    JsonArray tools = new JsonArray()
        .add(tool("get_weather"))
        .add(tool("get_time"));
    JsonObject body = chatBody("m", "weather?").put("tools", tools).put("tool_choice", "auto");

    JsonObject choice = firstChoice(http.post(CHAT, body, null));

    assertThat(choice.getString("finish_reason")).isEqualTo("tool_calls");
    JsonObject message = choice.getJsonObject("message");
    assertThat(message.containsKey("content")).isTrue();
    assertThat(message.getValue("content")).isNull();
    JsonObject call = message.getJsonArray("tool_calls").getJsonObject(0);
    assertThat(call.getString("id")).isNotBlank();
    assertThat(call.getString("type")).isEqualTo("function");
    assertThat(call.getJsonObject("function"))
        .isEqualTo(new JsonObject().put("name", "get_weather").put("arguments", "{}"));
  }

  @Test
  void answersWithTextWhenToolChoiceIsNone() throws Exception {
    JsonObject body = chatBody("m", "hi").put("tools", new JsonArray().add(tool("get_weather")))
        .put("tool_choice", "none");

    JsonObject choice = firstChoice(http.post(CHAT, body, null));

    assertThat(choice.getString("finish_reason")).isEqualTo("stop");
    assertThat(choice.getJsonObject("message").containsKey("tool_calls")).isFalse();
  }

  @Test
  void streamsToolCallAsNameChunkThenArgumentsChunk() throws Exception {
    JsonObject body = chatBody("m", "weather?").put("stream", true)
        .put("tools", new JsonArray().add(tool("get_weather")));

    List<String> events = events(http.post(CHAT, body, null).body());

    assertThat(events).hasSize(1 + 2 + 1 + 1);
    JsonObject header = delta(new JsonObject(events.get(1))).getJsonArray("tool_calls")
        .getJsonObject(0);
    assertThat(header.getJsonObject("function").getString("name")).isEqualTo("get_weather");
    JsonObject arguments = delta(new JsonObject(events.get(2))).getJsonArray("tool_calls")
        .getJsonObject(0);
    assertThat(arguments.getJsonObject("function").getString("arguments")).isEqualTo("{}");
    assertThat(new JsonObject(events.get(3)).getJsonArray("choices").getJsonObject(0)
        .getString("finish_reason")).isEqualTo("tool_calls");
  }

  @Test
  void returnsAJsonObjectStringForJsonObjectResponseFormat() throws Exception {
    JsonObject format = new JsonObject().put("type", "json_object");
    JsonObject body = chatBody("m", "json please").put("response_format", format);
    JsonObject streamed = body.copy().put("stream", true);

    String content = firstChoice(http.post(CHAT, body, null)).getJsonObject("message")
        .getString("content");
    StringBuilder streamedContent = new StringBuilder();
    List<String> events = events(http.post(CHAT, streamed, null).body());
    events.subList(1, events.size() - 2).forEach(event ->
        streamedContent.append(delta(new JsonObject(event)).getString("content")));

    assertThat(new JsonObject(content).getString("reply")).startsWith("Simulated reply from m:");
    assertThat(content.split(" ")).hasSize(16);
    assertThat(new JsonObject(streamedContent.toString().strip()))
        .isEqualTo(new JsonObject(content));
  }

  @Test
  void embedsEachInputDeterministicallyAsUnitVectors() throws Exception {
    JsonObject body = new JsonObject().put("model", "mock-embedding")
        .put("input", new JsonArray().add("the quick fox").add("lazy dog").add("the quick fox"));

    HttpResponse<String> response = http.post(EMBEDDINGS, body, null);

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject list = new JsonObject(response.body());
    assertThat(list.getString("object")).isEqualTo("list");
    assertThat(list.getString("model")).isEqualTo("mock-embedding");
    assertThat(list.getJsonObject("usage"))
        .isEqualTo(new JsonObject().put("prompt_tokens", 8).put("total_tokens", 8));
    JsonArray data = list.getJsonArray("data");
    assertThat(data).hasSize(3);
    for (int i = 0; i < 3; i++) {
      JsonObject item = data.getJsonObject(i);
      assertThat(item.getString("object")).isEqualTo("embedding");
      assertThat(item.getInteger("index")).isEqualTo(i);
      assertThat(item.getJsonArray("embedding")).hasSize(Embeddings.DEFAULT_DIMENSIONS);
      assertThat(norm(item.getJsonArray("embedding"))).isCloseTo(1.0, offset(1e-4));
    }
    assertThat(data.getJsonObject(0).getJsonArray("embedding"))
        .isEqualTo(data.getJsonObject(2).getJsonArray("embedding"))
        .isNotEqualTo(data.getJsonObject(1).getJsonArray("embedding"));
  }

  @Test
  void embedsStringsAndTokenArraysWithRequestedDimensions() throws Exception {
    JsonObject text = new JsonObject().put("model", "e").put("input", "hello").put("dimensions", 3);
    JsonObject tokens =
        new JsonObject().put("model", "e").put("input", new JsonArray().add(1).add(2));

    JsonObject textReply = new JsonObject(http.post(EMBEDDINGS, text, null).body());
    JsonObject tokenReply = new JsonObject(http.post(EMBEDDINGS, tokens, null).body());

    assertThat(textReply.getJsonArray("data").getJsonObject(0).getJsonArray("embedding"))
        .hasSize(3);
    assertThat(tokenReply.getJsonArray("data")).hasSize(1);
    assertThat(tokenReply.getJsonObject("usage").getInteger("prompt_tokens")).isEqualTo(2);
  }

  @Test
  void encodesEmbeddingsAsLittleEndianFloatsInBase64() throws Exception {
    JsonObject floats = new JsonObject().put("model", "e").put("input", "same text");
    JsonObject base64 = floats.copy().put("encoding_format", "base64");

    JsonArray expected = new JsonObject(http.post(EMBEDDINGS, floats, null).body())
        .getJsonArray("data").getJsonObject(0).getJsonArray("embedding");
    String encoded = new JsonObject(http.post(EMBEDDINGS, base64, null).body())
        .getJsonArray("data").getJsonObject(0).getString("embedding");

    ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(encoded))
        .order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < expected.size(); i++) {
      assertThat(bytes.getFloat()).isEqualTo(expected.getFloat(i));
    }
    assertThat(bytes.hasRemaining()).isFalse();
  }

  @Test
  void listsModels() throws Exception {
    HttpResponse<String> response = http.get("/models");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject list = new JsonObject(response.body());
    assertThat(list.getString("object")).isEqualTo("list");
    assertThat(list.getJsonArray("data")).isNotEmpty().allSatisfy(item -> {
      JsonObject model = (JsonObject) item;
      assertThat(model.getString("id")).isNotBlank();
      assertThat(model.getString("object")).isEqualTo("model");
      assertThat(model.getLong("created")).isPositive();
      assertThat(model.getString("owned_by")).isEqualTo("mock");
    });
  }

  @Test
  void rejectsRequestsWithoutBearerTokenWith401() throws Exception {
    HttpRequest.Builder noAuth = HttpRequest.newBuilder(URI.create(mock.baseUrl() + CHAT))
        .timeout(MockHttp.DEFAULT_TIMEOUT)
        .POST(HttpRequest.BodyPublishers.ofString(chatBody("m", "hi").encode()));

    HttpResponse<String> response = http.send(noAuth);

    assertThat(response.statusCode()).isEqualTo(401);
    assertOpenAiError(response.body(), "invalid_request_error");
  }

  @Test
  void rejectsInvalidJsonWith400() throws Exception {
    HttpResponse<String> response = http.send(http.post(CHAT, "{\"model\": ", null));

    assertThat(response.statusCode()).isEqualTo(400);
    assertOpenAiError(response.body(), "invalid_request_error");
  }

  @Test
  void answersScriptedServerErrorInOpenAiShape() throws Exception {
    HttpResponse<String> response = http.post(CHAT, chatBody("m", "hi"), "status=503");

    assertThat(response.statusCode()).isEqualTo(503);
    assertOpenAiError(response.body(), "server_error");
    assertThat(response.headers().firstValue("Retry-After")).isEmpty();
  }

  @Test
  void answersScriptedRateLimitWithRetryAfter() throws Exception {
    HttpResponse<String> response =
        http.post(CHAT, chatBody("m", "hi"), "status=429, retry_after=7");

    assertThat(response.statusCode()).isEqualTo(429);
    assertThat(response.headers().firstValue("Retry-After")).hasValue("7");
    JsonObject error = new JsonObject(response.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("rate_limit_exceeded");
  }

  @Test
  void answersOtherScripted4xxAsInvalidRequest() throws Exception {
    HttpResponse<String> response =
        http.post(EMBEDDINGS, new JsonObject().put("model", "e").put("input", "x"), "status=404");

    assertThat(response.statusCode()).isEqualTo(404);
    assertOpenAiError(response.body(), "invalid_request_error");
  }

  @Test
  void rejectsUnknownMockSettingNamingTheKnownKeys() throws Exception {
    HttpResponse<String> response = http.post(CHAT, chatBody("m", "hi"), "stauts=500");

    assertThat(response.statusCode()).isEqualTo(400);
    JsonObject error = assertOpenAiError(response.body(), "invalid_request_error");
    assertThat(error.getString("message")).contains("stauts", "status", "drop_after", "when_model");
  }

  @Test
  void rejectsOutOfRangeMockSettingWithTheExpectation() throws Exception {
    HttpResponse<String> response = http.post(CHAT, chatBody("m", "hi"), "status=200");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(response.body()).getJsonObject("error").getString("message"))
        .contains("status=200", "400..599");
  }

  @Test
  void dropsStreamAfterTheScriptedNumberOfChunks() throws Exception {
    // A raw socket shows exactly what reached the wire; the JDK client may discard bytes it had
    // buffered once it sees the connection fail.
    String received = http.rawPost(CHAT, chatBody("m", "hi").put("stream", true), "drop_after=3");

    assertThat(received).startsWith("HTTP/1.1 200").doesNotContain("[DONE]")
        .doesNotEndWith("0\r\n\r\n");
    assertThat(received.split("data: ", -1)).hasSize(1 + 1 + 3);
  }

  @Test
  void failsTheClientReadWhenTheStreamIsDropped() {
    JsonObject streamed = chatBody("m", "hi").put("stream", true);

    assertThatThrownBy(() -> http.post(CHAT, streamed, "drop_after=3"))
        .isInstanceOf(IOException.class);
  }

  @Test
  void closesJsonRequestWithoutAnswerWhenDropAfterIsSet() {
    assertThatThrownBy(() -> http.post(CHAT, chatBody("m", "hi"), "drop_after=0"))
        .isInstanceOf(IOException.class);
  }

  @Test
  void endsStreamCleanlyWithAnErrorEventAfterTheScriptedNumberOfChunks() throws Exception {
    JsonObject streamed = chatBody("m", "hi").put("stream", true)
        .put("stream_options", new JsonObject().put("include_usage", true));

    // The JDK client returning at all shows the chunked body ended properly, unlike a drop.
    HttpResponse<String> response = http.post(CHAT, streamed, "error_after=3,tokens=10");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).doesNotContain("[DONE]").doesNotContain("\"prompt_tokens\"");
    List<String> events = events(response.body());
    assertThat(events).hasSize(1 + 3 + 1);
    StringBuilder text = new StringBuilder();
    events.subList(1, 4).forEach(event ->
        text.append(delta(new JsonObject(event)).getString("content")));
    assertThat(text).hasToString("Simulated reply from ");
    JsonObject error = assertOpenAiError(events.get(4), "server_error");
    assertThat(error.getString("code")).isEqualTo("upstream_overloaded");
  }

  @Test
  void answersAnErrorInsideA200WhenErrorAfterIsSetWithoutStreaming() throws Exception {
    HttpResponse<String> response = http.post(CHAT, chatBody("m", "hi"), "error_after=2");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(new JsonObject(response.body()).fieldNames()).containsExactly("error");
    JsonObject error = assertOpenAiError(response.body(), "server_error");
    assertThat(error.getString("code")).isEqualTo("upstream_overloaded");
  }

  @Test
  void rejectsDropAfterTogetherWithErrorAfter() throws Exception {
    HttpResponse<String> response =
        http.post(CHAT, chatBody("m", "hi").put("stream", true), "drop_after=2,error_after=2");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(response.body()).getJsonObject("error").getString("message"))
        .contains("drop_after", "error_after");
  }

  @Test
  void sendsBodyThatIsNotJsonWhenMalformed() throws Exception {
    HttpResponse<String> json = http.post(CHAT, chatBody("m", "hi"), "malformed=true");
    HttpResponse<String> stream =
        http.post(CHAT, chatBody("m", "hi").put("stream", true), "malformed=true");

    assertThat(json.statusCode()).isEqualTo(200);
    assertThatThrownBy(() -> new JsonObject(json.body()))
        .isInstanceOf(DecodeException.class);
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(events(stream.body())).anySatisfy(event ->
        assertThatThrownBy(() -> new JsonObject(event)).isInstanceOf(RuntimeException.class));
  }

  @Test
  void appliesSettingsOnlyToTheNamedModel() throws Exception {
    String header = "status=500;when_model=primary-model";

    HttpResponse<String> primary = http.post(CHAT, chatBody("primary-model", "hi"), header);
    HttpResponse<String> backup = http.post(CHAT, chatBody("backup-model", "hi"), header);

    assertThat(primary.statusCode()).isEqualTo(500);
    assertThat(backup.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(backup.body()).getString("model")).isEqualTo("backup-model");
  }

  @Test
  void appliesTheGroupNamingTheModelElseTheGroupNamingNone() throws Exception {
    String header = "status=503,when_model=primary-model | tokens=3 | status=429;when_model=other";

    HttpResponse<String> primary = http.post(CHAT, chatBody("primary-model", "hi"), header);
    HttpResponse<String> backup = http.post(CHAT, chatBody("backup-model", "hi"), header);
    HttpResponse<String> other = http.post(CHAT, chatBody("other", "hi"), header);

    assertThat(primary.statusCode()).isEqualTo(503);
    assertThat(firstChoice(backup).getJsonObject("message").getString("content"))
        .isEqualTo("Simulated reply from");
    assertThat(other.statusCode()).isEqualTo(429);
  }

  @Test
  void rejectsTwoGroupsForTheSameModelAndChecksGroupsNoRequestUses() throws Exception {
    HttpResponse<String> twice =
        http.post(CHAT, chatBody("m", "hi"), "tokens=3,when_model=x | status=500,when_model=x");
    HttpResponse<String> typo =
        http.post(CHAT, chatBody("m", "hi"), "tokens=3 | stauts=500,when_model=unused");

    assertThat(twice.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(twice.body()).getJsonObject("error").getString("message"))
        .contains("when_model=x");
    assertThat(typo.statusCode()).isEqualTo(400);
  }

  @Test
  void answersAfterScriptedLatency() throws Exception {
    HttpResponse<String> json = http.post(CHAT, chatBody("m", "hi"), "latency_ms=200");
    HttpResponse<String> paced =
        http.post(CHAT, chatBody("m", "hi").put("stream", true), "latency_ms=50,tps=200,tokens=4");

    assertThat(json.statusCode()).isEqualTo(200);
    assertThat(paced.statusCode()).isEqualTo(200);
    assertThat(events(paced.body())).hasSize(1 + 4 + 1 + 1);
  }

  @Test
  void holdsTheRequestUntilTheClientTimesOut() {
    HttpRequest.Builder request = http.post(CHAT, chatBody("m", "hi").encode(), "timeout=true")
        .timeout(Duration.ofMillis(500));

    assertThatThrownBy(() -> http.send(request)).isInstanceOf(HttpTimeoutException.class);
    assertThat(mock.requestCount()).isEqualTo(1);
  }

  @Test
  void closingTheServerEndsHeldConnections() throws Exception {
    HttpRequest request = http.post(CHAT, chatBody("m", "hi").encode(), "timeout=true")
        .timeout(Duration.ofMinutes(1)).build();
    CompletableFuture<HttpResponse<String>> held =
        http.client().sendAsync(request, HttpResponse.BodyHandlers.ofString());
    awaitCount(1);

    await(mock.close());

    assertThatThrownBy(() -> held.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(IOException.class);
  }

  @Test
  void countsRequestsInTotalAndPerModel() throws Exception {
    http.post(CHAT, chatBody("alpha", "hi"), null);
    http.post(CHAT, chatBody("alpha", "hi"), "status=500");
    http.post(CHAT, chatBody("beta", "hi"), null);
    http.post(EMBEDDINGS, new JsonObject().put("model", "gamma").put("input", "x"), null);
    http.get("/models");

    assertThat(mock.requestCount()).isEqualTo(4);
    assertThat(mock.requestCount("alpha")).isEqualTo(2);
    assertThat(mock.requestCount("beta")).isEqualTo(1);
    assertThat(mock.requestCount("gamma")).isEqualTo(1);
    assertThat(mock.requestCount("unknown")).isZero();

    mock.resetCounts();

    assertThat(mock.requestCount()).isZero();
    assertThat(mock.requestCount("alpha")).isZero();
  }

  @Test
  void answersUnknownPathsWith404() throws Exception {
    HttpResponse<String> response = http.get("/nothing-here");

    assertThat(response.statusCode()).isEqualTo(404);
    assertOpenAiError(response.body(), "invalid_request_error");
  }

  private void awaitCount(long expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (mock.requestCount() < expected && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(mock.requestCount()).isEqualTo(expected);
  }

  private static JsonObject tool(String name) {
    return new JsonObject().put("type", "function").put("function", new JsonObject()
        .put("name", name)
        .put("parameters", new JsonObject().put("type", "object")));
  }

  private static JsonObject firstChoice(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new JsonObject(response.body()).getJsonArray("choices").getJsonObject(0);
  }

  private static JsonObject delta(JsonObject chunk) {
    return chunk.getJsonArray("choices").getJsonObject(0).getJsonObject("delta");
  }

  private static double norm(JsonArray vector) {
    double squares = 0;
    for (int i = 0; i < vector.size(); i++) {
      squares += vector.getDouble(i) * vector.getDouble(i);
    }
    return Math.sqrt(squares);
  }

  private static JsonObject assertOpenAiError(String body, String type) {
    JsonObject error = new JsonObject(body).getJsonObject("error");
    assertThat(error).isNotNull();
    assertThat(error.fieldNames()).containsExactlyInAnyOrder("message", "type", "param", "code");
    assertThat(error.getString("message")).isNotBlank();
    assertThat(error.getString("type")).isEqualTo(type);
    return error;
  }
}
