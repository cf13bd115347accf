package io.tollgate.providers.anthropic;

import io.tollgate.providers.ChatChunk;
import io.tollgate.providers.UpstreamProtocol;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Channels of kind {@code anthropic}: {@code POST {base_url}/messages} (a base URL such as
 * {@code https://api.anthropic.com/v1}), the credential in {@code x-api-key}, and the API version in
 * {@code anthropic-version}.
 */
public final class AnthropicProtocol implements UpstreamProtocol {
  public static final AnthropicProtocol INSTANCE = new AnthropicProtocol();
  /** The Messages API version the translation is written for. */
  public static final String VERSION = "2023-06-01";

  private AnthropicProtocol() {}

  @Override
  public boolean translates() {
    return true;
  }

  @Override
  public String path(String openAiPath, String upstreamModel, boolean stream) {
    if (!openAiPath.equals("/chat/completions")) {
      throw new IllegalArgumentException("an anthropic channel serves chat only, not " + openAiPath);
    }
    return "/messages";
  }

  @Override
  public Map<String, String> credentialHeaders(String credential) {
    Map<String, String> headers = new LinkedHashMap<>();
    if (credential != null) {
      headers.put("x-api-key", credential);
    }
    headers.put("anthropic-version", VERSION);
    return headers;
  }

  @Override
  public JsonObject request(JsonObject chat, long defaultMaxTokens) {
    return AnthropicRequest.from(chat, defaultMaxTokens);
  }

  @Override
  public JsonObject answer(JsonObject upstream, long createdSeconds) {
    return AnthropicAnswer.toChat(upstream, createdSeconds);
  }

  /** {@code {"type":"error","error":{"type","message"}}} becomes OpenAI's error with Anthropic's type as its code too. */
  @Override
  public Buffer error(Buffer upstream) {
    return ChatChunk.errorFrom(upstream, "type");
  }

  @Override
  public StreamTranslator stream(long createdSeconds) {
    return new AnthropicStream(createdSeconds);
  }
}
