package io.tollgate.mock;

import static io.tollgate.mock.MockHttp.chatBody;
import static org.assertj.core.api.Assertions.assertThat;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The demo's simulated upstream reports usage as a real one does: counted by a tokenizer, capped at max_tokens. */
class MockTokenizerCountingTest {
  private static final Encoding O200K = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
  private static Vertx vertx;
  private static MockUpstream mock;
  private static MockHttp http;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    mock = MockUpstreamTest.await(MockUpstream.start(vertx, 0, Counting.TOKENIZER));
    http = new MockHttp(mock.baseUrl());
  }

  @AfterAll
  static void stop() throws Exception {
    MockUpstreamTest.await(vertx.close());
  }

  @Test
  void thePromptAndTheAnswerAreCountedByTheTokenizerTheAnswerAsLongAsAskedFor() throws Exception {
    String text = "Close 101.25, SMA(20) 99.87; RSI(14) = 61.3 — volatility annualised 23.4 %";
    JsonObject answer = new JsonObject(http.post("/chat/completions", chatBody("m", text), "tokens=30").body());

    JsonObject usage = answer.getJsonObject("usage");
    assertThat(usage.getInteger("prompt_tokens")).isEqualTo(O200K.countTokensOrdinary(text) + ChatRequest.TOKENS_PER_MESSAGE)
        .isNotEqualTo(Words.count(text) + ChatRequest.TOKENS_PER_MESSAGE);
    String content = answer.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content");
    assertThat(usage.getInteger("completion_tokens")).isEqualTo(O200K.countTokensOrdinary(content)).isBetween(25, 30);
  }

  @Test
  void anAnswerStopsAtMaxTokensCountedByTheTokenizer() throws Exception {
    JsonObject answer = new JsonObject(http.post("/chat/completions", chatBody("m", "hi").put("max_tokens", 20),
        "tokens=200").body());

    JsonObject choice = answer.getJsonArray("choices").getJsonObject(0);
    assertThat(choice.getString("finish_reason")).isEqualTo("length");
    assertThat(answer.getJsonObject("usage").getInteger("completion_tokens"))
        .isEqualTo(O200K.countTokensOrdinary(choice.getJsonObject("message").getString("content"))).isBetween(15, 20);
  }
}
