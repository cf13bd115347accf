package io.tollgate.providers;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.tollgate.testing.Wallets;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Messages request routed to an Anthropic leg reaches it as the client wrote it: prompt caching marks, sampling
 * fields and metadata the OpenAI shape has no place for are not lost on the way, only the model is renamed.
 */
class MessagesPassThroughTest {
  @TempDir
  static Path dir;
  static GatewayFixture f;
  static final AtomicReference<JsonObject> received = new AtomicReference<>();

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir);
    f.replaceUpstream(request -> request.body().onSuccess(body -> {
      received.set(body.toJsonObject());
      request.response().putHeader("content-type", "application/json").end(new JsonObject()
          .put("id", "msg_1").put("type", "message").put("role", "assistant").put("model", "up-claude")
          .put("content", new io.vertx.core.json.JsonArray()
              .add(new JsonObject().put("type", "thinking").put("thinking", "they greet me").put("signature", "sig-1"))
              .add(new JsonObject().put("type", "text").put("text", "hello")))
          .put("stop_reason", "end_turn")
          .put("usage", new JsonObject().put("input_tokens", 40).put("output_tokens", 2)
              .put("cache_read_input_tokens", 0).put("cache_creation_input_tokens", 30)).encode());
    }));
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  @Test
  void anAnthropicLegGetsTheMessagesBodyAsTheClientWroteIt() {
    Tenant t = Tenant.create(f, "pass");
    String body = """
        {"model": "claude-a", "max_tokens": 50, "top_k": 5, "metadata": {"user_id": "u-1"},
         "system": [{"type": "text", "text": "You answer briefly and cite nothing at all, ever.",
                     "cache_control": {"type": "ephemeral"}}],
         "messages": [{"role": "user", "content": [{"type": "text", "text": "hello there",
                       "cache_control": {"type": "ephemeral"}}]}]}""";

    HttpResponse<String> response = f.post("/v1/messages", body, "x-api-key", t.key(), "x-tollgate-route", "official",
        "anthropic-version", "2023-06-01", "content-type", "application/json");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonObject sent = received.get();
    assertThat(sent.getString("model")).isEqualTo("up-claude");
    assertThat(sent.getInteger("top_k")).isEqualTo(5);
    assertThat(sent.getJsonObject("metadata").getString("user_id")).isEqualTo("u-1");
    assertThat(sent.getJsonArray("system").getJsonObject(0).getJsonObject("cache_control").getString("type"))
        .isEqualTo("ephemeral");
    assertThat(sent.getJsonArray("messages").getJsonObject(0).getJsonArray("content").getJsonObject(0)
        .getJsonObject("cache_control").getString("type")).isEqualTo("ephemeral");
    // and the answer is the upstream's own, thinking block included, under the catalog model's name
    JsonObject answer = new JsonObject(response.body());
    assertThat(answer.getString("model")).isEqualTo("claude-a");
    assertThat(answer.getJsonArray("content").getJsonObject(0).getString("type")).isEqualTo("thinking");
    assertThat(answer.getJsonArray("content").getJsonObject(0).getString("signature")).isEqualTo("sig-1");
    assertThat(answer.getJsonArray("content").getJsonObject(1).getString("text")).isEqualTo("hello");
    JsonObject receipt = t.receipt(f, response);
    assertThat(receipt.getBoolean("charged")).isTrue();
    assertThat(receipt.getJsonObject("usage").getString("source")).isEqualTo("measured");
    Wallets.assertVerified(f.store, System.currentTimeMillis());
  }

  @Test
  void errorsBeforeTheRouteAreInAnthropicsShapeUnderMessagesToo() {
    Tenant t = Tenant.create(f, "shapes");
    HttpResponse<String> notJson;
    try {
      notJson = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
              f.url("/v1/messages"))).header("x-api-key", t.key()).header("content-type", "text/plain")
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString("hello")).build(), HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
    HttpResponse<String> wrongMethod = f.get("/v1/messages", "x-api-key", t.key());
    HttpResponse<String> unknownPath = f.post("/v1/messages/batches", "{}", "x-api-key", t.key(),
        "content-type", "application/json");
    HttpResponse<String> elsewhere = f.get("/v1/nothing-here", "authorization", "Bearer " + t.key());

    assertThat(notJson.statusCode()).isEqualTo(415);
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    assertThat(unknownPath.statusCode()).isEqualTo(404);
    for (HttpResponse<String> r : java.util.List.of(notJson, wrongMethod, unknownPath)) {
      JsonObject error = new JsonObject(r.body());
      assertThat(error.getString("type")).as(r.body()).isEqualTo("error");
      assertThat(error.getJsonObject("error").getString("type")).as(r.body()).isNotBlank();
      assertThat(error.getJsonObject("error").getString("message")).as(r.body()).isNotBlank();
    }
    assertThat(new JsonObject(elsewhere.body()).getJsonObject("error").containsKey("code")).as("OpenAI's shape elsewhere")
        .isTrue();
  }
}
