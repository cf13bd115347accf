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
    long[] counts = new long[4];
    String[] fields = {"input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"};
    for (int i = 0; i < fields.length; i++) {
      Object value = pick(usage, earlier, fields[i]);
      if (value == null && i >= 2) {
        continue;
      }
      Long count = ChatChunk.count(value);
      if (count == null) {
        // a part that is not a whole count from 0 must not vanish into a sum that looks believable: the gateway's own
        // count is charged instead
        return ChatChunk.uncountable(fields[i], value);
      }
      counts[i] = count;
    }
    long w = counts[2];
    long r = counts[3];
    JsonObject chat = ChatChunk.usage(counts[0] + w + r, counts[1], r);
    if (w > 0) {
      chat.put("cache_creation_input_tokens", w);
    }
    return chat;
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
