package io.tollgate.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import io.tollgate.auth.KeyScope;
import io.tollgate.config.RouteType;
import io.tollgate.testing.GatewayFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official OpenAI Java SDK, unchanged but for its base URL and key, works against the gateway: the
 * gateway is a drop-in endpoint, not one that only our own tests can talk to.
 */
class OpenAiSdkTest {
  @TempDir
  static Path dir;

  private static GatewayFixture fixture;
  private static OpenAIClient client;

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
  private static OpenAIClient sdk(String apiKey) {
    return OpenAIOkHttpClient.builder()
        .baseUrl(fixture.gateway.baseUrl())
        .apiKey(apiKey)
        .maxRetries(0)
        .timeout(Duration.ofSeconds(20))
        .build();
  }

  private static ChatCompletionCreateParams.Builder chat(String model) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage("Say something short.");
  }

  private static List<ChatCompletionChunk> stream(ChatCompletionCreateParams params) {
    try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
      return stream.stream().toList();
    }
  }

  private static List<String> contentDeltas(List<ChatCompletionChunk> chunks) {
    return chunks.stream()
        .flatMap(chunk -> chunk.choices().stream())
        .flatMap(choice -> choice.delta().content().stream())
        .filter(content -> !content.isEmpty())
        .toList();
  }

  @Test
  void sdkReadsChatCompletion() {
    ChatCompletion completion = client.chat().completions().create(chat("chat-a").build());

    assertThat(completion.model()).isNotBlank();
    assertThat(completion.choices()).hasSize(1);
    assertThat(completion.choices().get(0).message().content())
        .hasValueSatisfying(content -> assertThat(content).isNotBlank());
    assertThat(completion.usage()).hasValueSatisfying(usage -> {
      assertThat(usage.promptTokens()).isPositive();
      assertThat(usage.completionTokens()).isPositive();
      assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + usage.completionTokens());
    });
  }

  @Test
  void sdkReadsChatCompletionAfterFallbackToBackupLeg() {
    // chat-b's primary channel has nothing listening; the backup leg answers with an ordinary completion
    ChatCompletion completion = client.chat().completions().create(chat("chat-b").build());

    assertThat(completion.choices().get(0).message().content())
        .hasValueSatisfying(content -> assertThat(content).isNotBlank());
  }

  @Test
  void sdkReadsCompletionsAndStreamsFromAnthropicAndGeminiLegs() {
    for (String model : List.of("claude-a", "gem-a")) {
      // the official routes of these models run on an Anthropic- and a Gemini-kind channel
      ChatCompletion completion = client.chat().completions().create(chat(model)
          .putAdditionalHeader("x-tollgate-route", "official").build());
      List<ChatCompletionChunk> chunks = stream(chat(model).putAdditionalHeader("x-tollgate-route", "official")
          .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build());

      assertThat(completion.model()).isEqualTo(model);
      assertThat(completion.choices().get(0).message().content()).hasValueSatisfying(c -> assertThat(c).isNotBlank());
      assertThat(completion.usage()).hasValueSatisfying(usage -> assertThat(usage.completionTokens()).isPositive());
      assertThat(String.join("", contentDeltas(chunks))).isNotBlank();
      assertThat(chunks.get(chunks.size() - 1).usage()).hasValueSatisfying(usage -> assertThat(usage.promptTokens()).isPositive());
    }
  }

  @Test
  void sdkSeesReceiptHeadersOnRawResponse() {
    try (HttpResponseFor<ChatCompletion> response =
        client.chat().completions().withRawResponse().create(chat("chat-a").build())) {
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().values("x-tollgate-request-id"))
          .singleElement().asString().startsWith("req");
      // the fixture's key prefers routed routes, and chat-a has one
      assertThat(response.headers().values("x-tollgate-route")).containsExactly("routed");
      // the body names the catalog model asked for; the header, the upstream model that answered
      assertThat(response.parse().model()).isEqualTo("chat-a");
      assertThat(response.headers().values("x-tollgate-upstream-model")).containsExactly("up-a-routed");
      assertThat(response.parse().choices()).isNotEmpty();
    }
  }

  @Test
  void sdkStreamsContentDeltasWithoutUsageByDefault() {
    List<ChatCompletionChunk> chunks = stream(chat("chat-a")
        .putAdditionalHeader("x-mock", "tokens=8")
        .build());

    List<String> deltas = contentDeltas(chunks);
    assertThat(deltas).hasSizeGreaterThan(3);
    assertThat(String.join("", deltas)).isNotBlank();
    // the gateway asks the upstream for usage on its own behalf; a client that did not ask never sees it
    assertThat(chunks).allSatisfy(chunk -> assertThat(chunk.usage()).isEmpty());
  }

  @Test
  void sdkStreamsUsageChunkWhenAskedFor() {
    List<ChatCompletionChunk> chunks = stream(chat("chat-a")
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
        .putAdditionalHeader("x-mock", "tokens=8")
        .build());

    assertThat(contentDeltas(chunks)).hasSizeGreaterThan(3);
    assertThat(chunks).filteredOn(chunk -> chunk.usage().isPresent())
        .singleElement()
        .satisfies(chunk -> {
          assertThat(chunk.choices()).isEmpty();
          assertThat(chunk.usage().orElseThrow().completionTokens()).isEqualTo(8);
          assertThat(chunk.usage().orElseThrow().promptTokens()).isPositive();
        });
  }

  @Test
  void sdkStreamsFromBackupLegWhenPrimaryIsDown() {
    List<ChatCompletionChunk> chunks = stream(chat("chat-b").build());

    assertThat(String.join("", contentDeltas(chunks))).isNotBlank();
    assertThat(chunks).last().satisfies(chunk -> assertThat(chunk.choices())
        .anySatisfy(choice -> assertThat(choice.finishReason()).isPresent()));
  }

  @Test
  void sdkReadsEmbeddings() {
    CreateEmbeddingResponse response = client.embeddings().create(EmbeddingCreateParams.builder()
        .model("embed-a").input("a sentence to embed").build());

    assertThat(response.data()).hasSize(1);
    assertThat(response.data().get(0).embedding()).isNotEmpty();
    assertThat(response.usage().promptTokens()).isPositive();
  }

  @Test
  void sdkListsCatalogModels() {
    List<Model> models = client.models().list().data();

    assertThat(models).extracting(Model::id).contains("chat-a", "chat-b", "embed-a");
  }

  @Test
  void sdkRetrievesOneModel() {
    Model model = client.models().retrieve("chat-a");

    assertThat(model.id()).isEqualTo("chat-a");
    assertThat(model.created()).isPositive();
  }

  @Test
  void unknownModelIsNotFoundWithClosestIdSuggested() {
    ChatCompletionCreateParams params = chat("chat-aa").build();

    assertThatThrownBy(() -> client.chat().completions().create(params))
        .isInstanceOfSatisfying(NotFoundException.class, e -> {
          assertThat(e.statusCode()).isEqualTo(404);
          assertThat(e.code()).hasValue("model_not_found");
          assertThat(e.getMessage()).contains("'chat-a'");
        });
  }

  @Test
  void retrievingUnknownModelIsNotFound() {
    assertThatThrownBy(() -> client.models().retrieve("no-such-model"))
        .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.statusCode()).isEqualTo(404));
  }

  @Test
  void routeTypeOutsideKeyScopeIsPermissionDenied() {
    // chat-b is served only by a routed route; this key may use official routes only
    OpenAIClient officialOnly = sdk(fixture.newKey(new KeyScope(List.of(), List.of(RouteType.OFFICIAL))));
    try {
      ChatCompletionCreateParams params = chat("chat-b").build();

      assertThatThrownBy(() -> officialOnly.chat().completions().create(params))
          .isInstanceOfSatisfying(PermissionDeniedException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(403);
            assertThat(e.code()).hasValue("route_type_not_allowed");
          });
      assertThat(officialOnly.models().list().data()).extracting(Model::id)
          .contains("chat-a", "embed-a").doesNotContain("chat-b");
    } finally {
      officialOnly.close();
    }
  }

  @Test
  void wrongKeyIsUnauthorized() {
    OpenAIClient stranger = sdk("tg-" + "x".repeat(40));
    try {
      ChatCompletionCreateParams params = chat("chat-a").build();

      assertThatThrownBy(() -> stranger.chat().completions().create(params))
          .isInstanceOfSatisfying(UnauthorizedException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(401);
            assertThat(e.getMessage()).doesNotContain("x".repeat(40));
          });
      assertThatThrownBy(() -> stranger.models().list()).isInstanceOf(UnauthorizedException.class);
    } finally {
      stranger.close();
    }
  }
}
