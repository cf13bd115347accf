package io.tollgate.providers;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adversarial review of 0cec834: the client's raw Messages body goes to an Anthropic leg, but the hold is sized from
 * the translated (OpenAI-shaped) body. Whatever the translation drops and the pass-through keeps is billed by the
 * upstream and never held for.
 */
class MessagesPassThroughHoldReviewTest {
  @TempDir
  static Path dir;
  static GatewayFixture f;
  static final AtomicReference<JsonObject> received = new AtomicReference<>();

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir);
    // an honest upstream: it bills one input token per word of what it was sent
    f.replaceUpstream(request -> request.body().onSuccess(body -> {
      JsonObject sent = body.toJsonObject();
      received.set(sent);
      long words = sent.getJsonArray("messages").encode().split("\\s+").length;
      request.response().putHeader("content-type", "application/json").end(new JsonObject()
          .put("id", "msg_1").put("type", "message").put("role", "assistant").put("model", "up-claude")
          .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", "it says word")))
          .put("stop_reason", "end_turn")
          .put("usage", new JsonObject().put("input_tokens", words).put("output_tokens", 3)
              .put("cache_read_input_tokens", 0).put("cache_creation_input_tokens", 0)).encode());
    }));
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  /**
   * A tool_result whose content is a document block (or an image) is legal Messages input. MessagesRequest.text keeps
   * only text blocks, so the translated body the prompt is counted from has an empty tool result, while the
   * pass-through sends the whole document upstream. The hold covers a few dozen tokens; the upstream bills 10,000.
   * A wallet that covers the small hold but not the real cost is then charged what it has and the rest is
   * uncollected: a client with a near-empty wallet (or a research run at its hard envelope) gets large prompts for free.
   */
  @Test
  void theHoldCoversTheToolResultDocumentThatIsPassedThrough() {
    Tenant t = Tenant.funded(f, "smuggle", "1", "1");
    String document = "word ".repeat(10_000);
    JsonObject body = new JsonObject()
        .put("model", "claude-a").put("max_tokens", 50)
        .put("messages", new JsonArray()
            .add(new JsonObject().put("role", "user").put("content", "read the file"))
            .add(new JsonObject().put("role", "assistant").put("content", new JsonArray().add(new JsonObject()
                .put("type", "tool_use").put("id", "toolu_1").put("name", "read").put("input", new JsonObject()))))
            .add(new JsonObject().put("role", "user").put("content", new JsonArray().add(new JsonObject()
                .put("type", "tool_result").put("tool_use_id", "toolu_1").put("content", new JsonArray().add(new JsonObject()
                    .put("type", "document").put("source", new JsonObject().put("type", "text")
                        .put("media_type", "text/plain").put("data", document))))))))
        .put("tools", new JsonArray().add(new JsonObject().put("name", "read")
            .put("input_schema", new JsonObject().put("type", "object"))));

    HttpResponse<String> response = f.post("/v1/messages", body.encode(), "x-api-key", t.key(), "x-tollgate-route",
        "official", "anthropic-version", "2023-06-01", "content-type", "application/json");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(received.get().encode()).as("the document went upstream").contains(document.substring(0, 100));
    JsonObject receipt = t.receipt(f, response);
    assertThat(receipt.getLong("cost_micros")).as("the upstream billed the document: " + receipt.encode())
        .isGreaterThan(20_000L);
    assertThat(receipt.getLong("hold_micros")).as("the hold covers what was sent upstream: " + receipt.encode())
        .isGreaterThanOrEqualTo(receipt.getLong("cost_micros"));
    assertThat(receipt.getValue("uncollected_micros")).as("nothing the upstream billed is left uncollected").isNull();

    // and a wallet that cannot cover the document is refused before any upstream call
    Tenant poor = Tenant.funded(f, "smuggle-poor", "0.01", "0.01");
    received.set(null);
    HttpResponse<String> refused = f.post("/v1/messages", body.encode(), "x-api-key", poor.key(), "x-tollgate-route",
        "official", "anthropic-version", "2023-06-01", "content-type", "application/json");
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(402);
    assertThat(received.get()).as("no upstream call").isNull();
  }

  @Test
  void aDocumentThatCannotBeCountedIsNotPassedThrough() {
    Tenant t = Tenant.funded(f, "pdf", "1", "1");
    JsonObject body = new JsonObject()
        .put("model", "claude-a").put("max_tokens", 50)
        .put("messages", new JsonArray()
            .add(new JsonObject().put("role", "user").put("content", "read the file"))
            .add(new JsonObject().put("role", "assistant").put("content", new JsonArray().add(new JsonObject()
                .put("type", "tool_use").put("id", "toolu_1").put("name", "read").put("input", new JsonObject()))))
            .add(new JsonObject().put("role", "user").put("content", new JsonArray().add(new JsonObject()
                .put("type", "tool_result").put("tool_use_id", "toolu_1").put("content", new JsonArray().add(new JsonObject()
                    .put("type", "document").put("source", new JsonObject().put("type", "base64")
                        .put("media_type", "application/pdf").put("data", "JVBERi0xLjQK".repeat(2_000)))))))))
        .put("tools", new JsonArray().add(new JsonObject().put("name", "read")
            .put("input_schema", new JsonObject().put("type", "object"))));

    HttpResponse<String> response = f.post("/v1/messages", body.encode(), "x-api-key", t.key(), "x-tollgate-route",
        "official", "anthropic-version", "2023-06-01", "content-type", "application/json");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(received.get().encode()).as("sent as translated, without the document").doesNotContain("JVBERi0xLjQK");
    JsonObject receipt = t.receipt(f, response);
    assertThat(receipt.getLong("hold_micros")).isGreaterThanOrEqualTo(receipt.getLong("cost_micros"));
  }
}
