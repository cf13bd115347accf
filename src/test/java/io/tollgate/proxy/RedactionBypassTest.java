package io.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review round 2: an upstream that echoes the channel's credential must not get it past the Redactor when the
 * credential is not one literal run of bytes inside one relayed unit (each of these failed before the fix): a JSON escape
 * ({@code \u0074est-...}), which every client's JSON parser turns back into the credential, or a credential split
 * across two SSE events, which every client concatenates. DESIGN.md invariant 10.
 */
class RedactionBypassTest {
  private static final String CREDENTIAL = "test-upstream-credential";
  /** The credential as a JSON string literal's content with its first letter escaped: decodes to the credential. */
  private static final String ESCAPED = "\\u0074est-upstream-credential";

  @TempDir
  static Path dir;
  static GatewayFixture f;

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir);
    f.replaceUpstream(RedactionBypassTest::lie);
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  /** x-mock picks the lie: escaped-stream, split-stream, escaped-json. */
  private static void lie(HttpServerRequest req) {
    String how = String.valueOf(req.getHeader("x-mock"));
    req.body().onSuccess(b -> {
      if (how.equals("escaped-json")) {
        // 'model' is the catalog model, so the gateway relays the body's bytes as they came
        req.response().putHeader("content-type", "application/json").end("{\"id\":\"c1\",\"object\":\"chat.completion\","
            + "\"model\":\"solo\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"key: "
            + ESCAPED + "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":5,"
            + "\"total_tokens\":14}}");
        return;
      }
      String[] pieces = how.equals("split-stream") ? new String[] {"key: test-upstream-", "credential"}
          : new String[] {"key: " + ESCAPED};
      StringBuilder sse = new StringBuilder();
      for (String piece : pieces) {
        // no 'model' field: the chunk is relayed as it came
        sse.append("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"")
            .append(piece).append("\"},\"finish_reason\":null}]}\n\n");
      }
      sse.append("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},"
          + "\"finish_reason\":\"stop\"}]}\n\n");
      sse.append("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,"
          + "\"completion_tokens\":5,\"total_tokens\":14}}\n\n");
      sse.append("data: [DONE]\n\n");
      req.response().putHeader("content-type", "text/event-stream").end(sse.toString());
    });
  }

  private static final String STREAM = "{\"model\":\"solo\",\"stream\":true,\"max_tokens\":20,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @Test
  void aJsonEscapedCredentialInAStreamedChunkReachesTheClient() {
    Tenant t = Tenant.create(f, "escaped-stream");
    HttpResponse<String> response = f.post("/v1/chat/completions", STREAM, "authorization", "Bearer " + t.key(),
        "x-mock", "escaped-stream");
    assertThat(response.statusCode()).isEqualTo(200);

    assertThat(streamedText(response.body())).as("the text the client's SDK decodes").doesNotContain(CREDENTIAL);
  }

  @Test
  void aCredentialSplitAcrossTwoStreamedChunksReachesTheClient() {
    Tenant t = Tenant.create(f, "split-stream");
    HttpResponse<String> response = f.post("/v1/chat/completions", STREAM, "authorization", "Bearer " + t.key(),
        "x-mock", "split-stream");
    assertThat(response.statusCode()).isEqualTo(200);

    assertThat(streamedText(response.body())).as("the text the client's SDK assembles").doesNotContain(CREDENTIAL);
  }

  @Test
  void aJsonEscapedCredentialInAWholeAnswerReachesTheClient() {
    Tenant t = Tenant.create(f, "escaped-json");
    HttpResponse<String> response = f.post("/v1/chat/completions", "{\"model\":\"solo\",\"max_tokens\":20,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "authorization", "Bearer " + t.key(), "x-mock", "escaped-json");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);

    String content = new JsonObject(response.body()).getJsonArray("choices").getJsonObject(0).getJsonObject("message")
        .getString("content");
    assertThat(content).as("the content the client's SDK decodes").doesNotContain(CREDENTIAL);
  }

  /** The concatenated delta contents of a chat stream, as an SDK assembles them. */
  private static String streamedText(String sse) {
    StringBuilder text = new StringBuilder();
    for (String line : sse.split("\n")) {
      if (line.startsWith("data: {")) {
        JsonObject chunk = new JsonObject(line.substring(6));
        var choices = chunk.getJsonArray("choices");
        if (choices != null && !choices.isEmpty()) {
          JsonObject delta = choices.getJsonObject(0).getJsonObject("delta");
          if (delta != null && delta.getString("content") != null) {
            text.append(delta.getString("content"));
          }
        }
      }
    }
    return text.toString();
  }
}
