package io.tollgate.providers;

import io.tollgate.config.ProviderKind;
import io.tollgate.providers.anthropic.AnthropicProtocol;
import io.tollgate.providers.gemini.GeminiProtocol;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * How one channel kind is spoken: where a chat completion goes, how the credential travels, and how the request,
 * the answer, a stream and an error translate between the OpenAI chat shape and the provider's own. Whatever the
 * provider, what comes back is in the OpenAI shape before the gateway reads usage from it.
 */
public interface UpstreamProtocol {

  /** The protocol of channels of {@code kind}. */
  static UpstreamProtocol of(ProviderKind kind) {
    return switch (kind) {
      case OPENAI -> OpenAiProtocol.INSTANCE;
      case ANTHROPIC -> AnthropicProtocol.INSTANCE;
      case GEMINI -> GeminiProtocol.INSTANCE;
    };
  }

  /** False when bodies pass unchanged (OpenAI-compatible channels). */
  boolean translates();

  /** The path under the channel's base URL that serves the OpenAI {@code openAiPath} (such as {@code /chat/completions}). */
  String path(String openAiPath, String upstreamModel, boolean stream);

  /** The headers that carry the channel's {@code credential}; empty when it has none. */
  Map<String, String> credentialHeaders(String credential);

  /**
   * The provider's request for an OpenAI chat body that already names the upstream model.
   *
   * @param defaultMaxTokens the output cap to send when the body sets none (the model's own cap)
   */
  JsonObject request(JsonObject chat, long defaultMaxTokens);

  /**
   * A successful non-streamed answer as an OpenAI chat completion.
   *
   * @throws IllegalArgumentException when the body is not an answer of this protocol
   */
  JsonObject answer(JsonObject upstream, long createdSeconds);

  /** An error body in OpenAI's {@code {"error":{...}}} shape; returned unchanged when it cannot be read. */
  Buffer error(Buffer upstream);

  /** A translator for one streamed attempt: it keeps the state a stream's events build up. */
  StreamTranslator stream(long createdSeconds);

  /** Turns one decoded upstream SSE event into the OpenAI chunks it stands for (none, one or several). */
  @FunctionalInterface
  interface StreamTranslator {
    /**
     * The chunks {@code event} stands for. An event reporting an error becomes an object with an {@code error}
     * member, as OpenAI-compatible upstreams send one.
     *
     * @throws IllegalArgumentException when the event is not of this protocol's shape
     */
    List<JsonObject> chunks(JsonObject event);
  }
}
