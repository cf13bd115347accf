package io.tollgate.mock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.InternalServerException;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK parses the mock's replies: the shapes are right, not plausible. */
class OpenAiSdkCompatibilityTest {

  private static Vertx vertx;
  private static MockUpstream mock;
  private static OpenAIClient client;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    mock = MockUpstreamTest.await(MockUpstream.start(vertx, 0));
    client = OpenAIOkHttpClient.builder()
        .baseUrl(mock.baseUrl())
        .apiKey("test-key")
        .maxRetries(0)
        .timeout(Duration.ofSeconds(10))
        .build();
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    MockUpstreamTest.await(mock.close());
    MockUpstreamTest.await(vertx.close());
  }

  private static ChatCompletionCreateParams.Builder chat() {
    return ChatCompletionCreateParams.builder().model("mock-small").addUserMessage("hello there");
  }

  @Test
  void sdkReadsChatCompletion() {
    ChatCompletion completion = client.chat().completions().create(chat().build());

    assertThat(completion.model()).isEqualTo("mock-small");
    ChatCompletion.Choice choice = completion.choices().get(0);
    assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    assertThat(choice.message().content()).hasValueSatisfying(
        content -> assertThat(content).startsWith("Simulated reply from mock-small:"));
    assertThat(completion.usage()).hasValueSatisfying(usage -> {
      assertThat(usage.promptTokens()).isEqualTo(2 + 3);
      assertThat(usage.completionTokens()).isEqualTo(16);
    });
  }

  @Test
  void sdkReadsStreamedChunksAndUsage() {
    ChatCompletionCreateParams params = chat()
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
        .putAdditionalHeader(MockSettings.HEADER, "tokens=6")
        .build();

    List<ChatCompletionChunk> chunks;
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(params)) {
      chunks = stream.stream().toList();
    }

    StringBuilder text = new StringBuilder();
    chunks.stream().flatMap(chunk -> chunk.choices().stream())
        .forEach(choice -> choice.delta().content().ifPresent(text::append));
    assertThat(text.toString().split(" ")).hasSize(6);
    assertThat(chunks.get(chunks.size() - 1).usage()).hasValueSatisfying(
        usage -> assertThat(usage.completionTokens()).isEqualTo(6));
  }

  @Test
  void sdkDecodesDefaultBase64Embeddings() {
    CreateEmbeddingResponse response = client.embeddings().create(EmbeddingCreateParams.builder()
        .model("mock-embedding").input("some text to embed").build());

    assertThat(response.data()).hasSize(1);
    assertThat(response.data().get(0).embedding()).hasSize(Embeddings.DEFAULT_DIMENSIONS);
    assertThat(response.usage().promptTokens()).isEqualTo(4);
  }

  @Test
  void sdkListsModels() {
    List<Model> models = client.models().list().data();

    assertThat(models).extracting(Model::id).containsExactlyElementsOf(Models.IDS);
  }

  @Test
  void sdkMapsScriptedErrorsToItsExceptions() {
    ChatCompletionCreateParams rateLimited = chat()
        .putAdditionalHeader(MockSettings.HEADER, "status=429,retry_after=1").build();
    ChatCompletionCreateParams failing = chat()
        .putAdditionalHeader(MockSettings.HEADER, "status=502").build();

    assertThatThrownBy(() -> client.chat().completions().create(rateLimited))
        .isInstanceOf(RateLimitException.class);
    assertThatThrownBy(() -> client.chat().completions().create(failing))
        .isInstanceOf(InternalServerException.class);
  }
}
