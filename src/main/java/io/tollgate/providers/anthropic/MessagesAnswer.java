package io.tollgate.providers.anthropic;

import io.tollgate.providers.ChatParts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** A chat completion as the Messages API answer a Claude client expects: content blocks, stop reason, usage. */
final class MessagesAnswer {
  private MessagesAnswer() {}

  static JsonObject fromChat(JsonObject completion) {
    JsonObject choice = completion.getJsonArray("choices", new JsonArray()).isEmpty() ? new JsonObject()
        : completion.getJsonArray("choices").getJsonObject(0);
    JsonObject message = choice.getJsonObject("message", new JsonObject());
    JsonArray content = new JsonArray();
    if (message.getValue("content") instanceof String text && !text.isEmpty()) {
      content.add(new JsonObject().put("type", "text").put("text", text));
    }
    if (message.getValue("tool_calls") instanceof JsonArray calls) {
      for (Object c : calls) {
        if (c instanceof JsonObject call && call.getValue("function") instanceof JsonObject function) {
          content.add(new JsonObject().put("type", "tool_use").put("id", call.getValue("id"))
              .put("name", function.getValue("name")).put("input", ChatParts.arguments(function.getValue("arguments"))));
        }
      }
    }
    if (content.isEmpty()) {
      content.add(new JsonObject().put("type", "text").put("text", ""));
    }
    return new JsonObject()
        .put("id", messageId(completion.getString("id")))
        .put("type", "message")
        .put("role", "assistant")
        .put("model", completion.getValue("model"))
        .put("content", content)
        .put("stop_reason", stopReason(choice.getString("finish_reason")))
        .put("stop_sequence", null)
        .put("usage", usage(completion.getJsonObject("usage")));
  }

  static String messageId(String id) {
    return id == null ? "msg_tollgate" : id.startsWith("msg_") ? id : "msg_" + id;
  }

  /** Anthropic's {@code stop_reason} for OpenAI's {@code finish_reason}. */
  static String stopReason(String finishReason) {
    if (finishReason == null) {
      return "end_turn";
    }
    return switch (finishReason) {
      case "length" -> "max_tokens";
      case "tool_calls", "function_call" -> "tool_use";
      case "content_filter" -> "refusal";
      default -> "end_turn";
    };
  }

  /** Anthropic's usage for OpenAI's: cache reads and writes apart from the other prompt tokens. */
  static JsonObject usage(JsonObject usage) {
    long prompt = usage == null ? 0 : usage.getLong("prompt_tokens", 0L);
    long completion = usage == null ? 0 : usage.getLong("completion_tokens", 0L);
    JsonObject details = usage == null ? null : usage.getJsonObject("prompt_tokens_details");
    long read = details == null ? 0 : details.getLong("cached_tokens", 0L);
    long written = usage == null ? 0 : usage.getLong("cache_creation_input_tokens", 0L);
    return new JsonObject()
        .put("input_tokens", Math.max(0, prompt - read - written))
        .put("output_tokens", completion)
        .put("cache_creation_input_tokens", written)
        .put("cache_read_input_tokens", read);
  }
}
