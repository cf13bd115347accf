package io.tollgate.billing;

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
 * Review round 2 (failed before the fix). A stream's usage is judged against the completion relayed so far
 * (SseRelay.onEvent: {@code call.usageBounds(completion)}), so an upstream that sends its usage chunk first, with
 * {@code completion_tokens: 0}, and then streams the whole answer is believed: the answer is charged as no completion
 * at all, although billing.md rejects any usage below half the gateway's own count.
 */
class EarlyUsageChunkTest {
  private static final int WORDS = 300;

  @TempDir
  static Path dir;
  static GatewayFixture f;

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir);
    f.replaceUpstream(EarlyUsageChunkTest::usageFirst);
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  private static void usageFirst(HttpServerRequest req) {
    req.body().onSuccess(b -> {
      StringBuilder sse = new StringBuilder("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"solo\","
          + "\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":0,\"total_tokens\":9}}\n\n");
      for (int i = 0; i < WORDS; i++) {
        sse.append("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"solo\",\"choices\":[{\"index\":0,"
            + "\"delta\":{\"content\":\"word").append(i).append(" \"},\"finish_reason\":null}]}\n\n");
      }
      sse.append("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"solo\",\"choices\":[{\"index\":0,"
          + "\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
      sse.append("data: [DONE]\n\n");
      req.response().putHeader("content-type", "text/event-stream").end(sse.toString());
    });
  }

  @Test
  void aZeroCompletionUsageSentBeforeTheAnswerIsNotBelieved() {
    Tenant t = Tenant.create(f, "usage-first");
    HttpResponse<String> response = f.post("/v1/chat/completions", "{\"model\":\"solo\",\"stream\":true,\"max_tokens\":900,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "authorization", "Bearer " + t.key());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("word" + (WORDS - 1));

    String id = response.headers().firstValue("x-tollgate-request-id").orElseThrow();
    JsonObject usage = new JsonObject(f.get("/v1/receipts/" + id, t.bearer()).body()).getJsonObject("usage");
    assertThat(usage.getLong("completion_tokens")).as("completion charged for %s relayed words: %s", WORDS, usage)
        .isGreaterThanOrEqualTo(WORDS / 2);
  }
}
