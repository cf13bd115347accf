package io.tollgate.providers.anthropic;

import io.tollgate.http.ApiException;
import io.tollgate.providers.ClientDialect;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.function.UnaryOperator;

/**
 * Clients of the Messages API ({@code POST /v1/messages}): the Anthropic SDKs and Claude Code. The key comes in
 * {@code x-api-key} or as {@code Authorization: Bearer}; answers, streams and errors go back in Anthropic's shapes.
 */
public final class AnthropicDialect implements ClientDialect {
  public static final AnthropicDialect INSTANCE = new AnthropicDialect();

  private AnthropicDialect() {}

  @Override
  public String credential(UnaryOperator<String> header) {
    String key = header.apply("x-api-key");
    return key != null && !key.isBlank() ? key : header.apply("authorization");
  }

  @Override
  public JsonObject toChat(JsonObject body) {
    return MessagesRequest.toChat(body, false);
  }

  /** The chat body whose prompt {@code count_tokens} counts: {@code max_tokens} is not needed there. */
  public JsonObject toChatForCount(JsonObject body) {
    return MessagesRequest.toChat(body, true);
  }

  @Override
  public Buffer answer(JsonObject completion, Buffer encoded) {
    return MessagesAnswer.fromChat(completion).toBuffer();
  }

  @Override
  public Buffer errorBody(ApiException error) {
    return AnthropicErrors.body(error).toBuffer();
  }

  @Override
  public StreamWriter stream(String model) {
    return new MessagesStream(model);
  }
}
