package io.tollgate.providers.anthropic;

import io.tollgate.providers.ChatChunk;
import io.vertx.core.json.JsonObject;

/**
 * Anthropic's usage in OpenAI's words. Anthropic's {@code input_tokens} leaves out the prompt tokens written to and
 * read from its cache; OpenAI's {@code prompt_tokens} counts every prompt token, with the cached ones repeated under
 * {@code prompt_tokens_details.cached_tokens}. The cache writes are kept under {@code cache_creation_input_tokens}
 * so a translation back to Anthropic's shape loses nothing.
 */
final class AnthropicUsage {
  private AnthropicUsage() {}

  /**
   * The OpenAI usage for an Anthropic {@code usage} object, or null when it carries no counts. A count that is not
   * a number is passed on as it is, for the gateway's usage check to reject.
   */
  static JsonObject toChat(JsonObject usage, JsonObject earlier) {
    if (usage == null) {
      return null;
    }
    Object input = pick(usage, earlier, "input_tokens");
    Object output = pick(usage, earlier, "output_tokens");
    Object written = pick(usage, earlier, "cache_creation_input_tokens");
    Object read = pick(usage, earlier, "cache_read_input_tokens");
    if (!(input instanceof Number in) || !(output instanceof Number out) || !isCount(written) || !isCount(read)) {
      // not counts the gateway can add up: handed on under OpenAI's names, for its usage check to judge
      return new JsonObject().put("prompt_tokens", input).put("completion_tokens", output);
    }
    long w = written == null ? 0 : ((Number) written).longValue();
    long r = read == null ? 0 : ((Number) read).longValue();
    JsonObject chat = ChatChunk.usage(in.longValue() + w + r, out.longValue(), r);
    if (w > 0) {
      chat.put("cache_creation_input_tokens", w);
    }
    return chat;
  }

  private static boolean isCount(Object value) {
    return value == null || value instanceof Number;
  }

  /** The field from {@code usage}, else from what an earlier event of the stream reported. */
  private static Object pick(JsonObject usage, JsonObject earlier, String field) {
    Object value = usage.getValue(field);
    return value != null || earlier == null ? value : earlier.getValue(field);
  }

  /** OpenAI's {@code finish_reason} for Anthropic's {@code stop_reason}. */
  static String finishReason(String stopReason) {
    if (stopReason == null) {
      return "stop";
    }
    return switch (stopReason) {
      case "max_tokens", "model_context_window_exceeded" -> "length";
      case "tool_use" -> "tool_calls";
      case "refusal" -> "content_filter";
      default -> "stop";
    };
  }
}
