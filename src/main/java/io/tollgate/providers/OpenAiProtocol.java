package io.tollgate.providers;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/** OpenAI-compatible channels: the body, the answer and the stream pass as they are. */
final class OpenAiProtocol implements UpstreamProtocol {
  static final OpenAiProtocol INSTANCE = new OpenAiProtocol();

  private OpenAiProtocol() {}

  @Override
  public boolean translates() {
    return false;
  }

  @Override
  public String path(String openAiPath, String upstreamModel, boolean stream) {
    return openAiPath;
  }

  @Override
  public Map<String, String> credentialHeaders(String credential) {
    return credential == null ? Map.of() : Map.of("authorization", "Bearer " + credential);
  }

  @Override
  public JsonObject request(JsonObject chat, long defaultMaxTokens) {
    return chat;
  }

  @Override
  public JsonObject answer(JsonObject upstream, long createdSeconds) {
    return upstream;
  }

  @Override
  public Buffer error(Buffer upstream) {
    return upstream;
  }

  @Override
  public StreamTranslator stream(long createdSeconds) {
    return List::of;
  }
}
