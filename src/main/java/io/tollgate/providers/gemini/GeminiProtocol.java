package io.tollgate.providers.gemini;

import io.tollgate.providers.ChatChunk;
import io.tollgate.providers.UpstreamProtocol;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * Channels of kind {@code gemini}: {@code POST {base_url}/models/{model}:generateContent}, or
 * {@code :streamGenerateContent?alt=sse} for a stream (a base URL such as
 * {@code https://generativelanguage.googleapis.com/v1beta}), the credential in {@code x-goog-api-key}.
 */
public final class GeminiProtocol implements UpstreamProtocol {
  public static final GeminiProtocol INSTANCE = new GeminiProtocol();

  private GeminiProtocol() {}

  @Override
  public boolean translates() {
    return true;
  }

  @Override
  public String path(String openAiPath, String upstreamModel, boolean stream) {
    if (!openAiPath.equals("/chat/completions")) {
      throw new IllegalArgumentException("a gemini channel serves chat only, not " + openAiPath);
    }
    String model = java.net.URLEncoder.encode(upstreamModel, java.nio.charset.StandardCharsets.UTF_8);
    return "/models/" + model + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
  }

  @Override
  public Map<String, String> credentialHeaders(String credential) {
    return credential == null ? Map.of() : Map.of("x-goog-api-key", credential);
  }

  @Override
  public JsonObject request(JsonObject chat, long defaultMaxTokens) {
    return GeminiRequest.from(chat, defaultMaxTokens);
  }

  @Override
  public JsonObject answer(JsonObject upstream, long createdSeconds) {
    return GeminiAnswer.toChat(upstream, createdSeconds);
  }

  /** {@code {"error":{"code","message","status"}}} becomes OpenAI's error, Gemini's status as its type and code. */
  @Override
  public Buffer error(Buffer upstream) {
    return ChatChunk.errorFrom(upstream, "status");
  }

  @Override
  public StreamTranslator stream(long createdSeconds) {
    return new GeminiStream(createdSeconds);
  }
}
