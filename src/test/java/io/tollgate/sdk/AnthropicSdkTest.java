package io.tollgate.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.errors.BadRequestException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolChoiceAny;
import com.anthropic.models.messages.ToolUseBlock;
import io.tollgate.testing.GatewayFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official Anthropic Java SDK, unchanged but for its base URL and key, works against the gateway's
 * {@code /v1/messages}: whole and streamed messages, tools and token counts, served by an Anthropic-kind leg
 * ({@code claude-a}'s primary) and by an OpenAI-compatible one ({@code chat-a}).
 */
class AnthropicSdkTest {
  @TempDir
  static Path dir;

  private static GatewayFixture fixture;
  private static AnthropicClient client;

  @BeforeAll
  static void start() throws Exception {
    fixture = GatewayFixture.start(dir);
    client = sdk(fixture.key);
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    if (fixture != null) {
      fixture.close();
    }
  }

  /** Retries off, so an error case fails on its first answer instead of after the SDK's backoff. */
  private static AnthropicClient sdk(String apiKey) {
    return AnthropicOkHttpClient.builder()
        .baseUrl(fixture.url(""))
        .apiKey(apiKey)
        .maxRetries(0)
        .timeout(Duration.ofSeconds(20))
        .build();
  }

  private static MessageCreateParams.Builder message(String model) {
    return MessageCreateParams.builder().model(model).maxTokens(6).system("Be brief.").addUserMessage("Say something short.");
  }

  private static Tool lookup() {
    return Tool.builder().name("lookup").description("Looks a word up")
        .inputSchema(Tool.InputSchema.builder()
            .properties(JsonValue.from(Map.of("word", Map.of("type", "string"))))
            .build())
        .build();
  }

  @Test
  void createsAMessageOnAnAnthropicLeg() {
    Message message = client.messages().create(message("claude-a").build());

    assertThat(message.model().asString()).isEqualTo("claude-a");
    assertThat(message.content()).hasSize(1);
    assertThat(message.content().get(0).text().orElseThrow().text().trim().split(" ")).hasSize(6);
    assertThat(message.stopReason()).hasValue(StopReason.MAX_TOKENS);
    assertThat(message.usage().inputTokens()).isPositive();
    assertThat(message.usage().outputTokens()).isEqualTo(6);
  }

  @Test
  void createsAMessageOnAnOpenAiLeg() {
    Message message = client.messages().create(message("chat-a").build());

    assertThat(message.content().get(0).isText()).isTrue();
    assertThat(message.usage().outputTokens()).isEqualTo(6);
  }

  @Test
  void streamsAMessageTheSdkAccumulatesWhole() {
    for (String model : List.of("claude-a", "chat-a", "gem-a")) {
      MessageAccumulator accumulator = MessageAccumulator.create();
      try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(message(model).build())) {
        stream.stream().forEach(accumulator::accumulate);
      }
      Message message = accumulator.message();

      assertThat(message.content().get(0).text().orElseThrow().text().trim().split(" ")).as(model).hasSize(6);
      assertThat(message.stopReason()).as(model).hasValue(StopReason.MAX_TOKENS);
      assertThat(message.usage().outputTokens()).as(model).isEqualTo(6);
    }
  }

  @Test
  void callsToolsWholeAndStreamed() {
    for (String model : List.of("claude-a", "chat-a")) {
      MessageCreateParams params = message(model).maxTokens(100).addTool(lookup())
          .toolChoice(ToolChoiceAny.builder().build()).build();

      Message whole = client.messages().create(params);
      MessageAccumulator accumulator = MessageAccumulator.create();
      try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
        stream.stream().forEach(accumulator::accumulate);
      }

      for (Message message : List.of(whole, accumulator.message())) {
        ToolUseBlock call = message.content().stream().map(ContentBlock::toolUse).flatMap(java.util.Optional::stream)
            .findFirst().orElseThrow();
        assertThat(call.name()).as(model).isEqualTo("lookup");
        assertThat(call.id()).as(model).isNotBlank();
        assertThat(message.stopReason()).as(model).hasValue(StopReason.TOOL_USE);
      }
    }
  }

  @Test
  void countsTokensWithoutAnUpstreamCall() {
    long before = fixture.upstream.requestCount();

    long tokens = client.messages().countTokens(MessageCountTokensParams.builder().model("claude-a")
        .addUserMessage("one two three four five").build()).inputTokens();

    assertThat(tokens).isPositive();
    assertThat(fixture.upstream.requestCount()).isEqualTo(before);
  }

  @Test
  void surfacesTheGatewaysRefusalsAsTheSdksTypedErrors() {
    AnthropicClient stranger = sdk("tg-not-a-key-at-all-000000000000");
    try {
      assertThatThrownBy(() -> stranger.messages().create(message("claude-a").build()))
          .isInstanceOf(UnauthorizedException.class);
    } finally {
      stranger.close();
    }
    assertThatThrownBy(() -> client.messages().create(message("chat-a").maxTokens(1_000_000).build()))
        .isInstanceOf(BadRequestException.class);
  }
}
