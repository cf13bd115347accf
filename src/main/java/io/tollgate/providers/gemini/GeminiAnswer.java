package io.tollgate.providers.gemini;

import io.tollgate.providers.ChatChunk;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A {@code GenerateContentResponse} as an OpenAI chat completion, one choice per candidate. Gemini names no tool
 * call: each gets an id made of the response id and its position. Thinking tokens are billed as output, so they
 * count as completion tokens.
 */
final class GeminiAnswer {
  private GeminiAnswer() {}

  static JsonObject toChat(JsonObject response, long createdSeconds) {
    JsonArray candidates = response.getJsonArray("candidates");
    String id = response.getString("responseId", "gemini");
    JsonArray choices = new JsonArray();
    if (candidates == null || candidates.isEmpty()) {
      if (!(response.getValue("promptFeedback") instanceof JsonObject)) {
        throw new IllegalArgumentException("a generateContent answer without candidates");
      }
      // the prompt itself was blocked
      choices.add(choice(0, new JsonObject().put("role", "assistant").put("content", ""), "content_filter"));
    }
    for (int i = 0; candidates != null && i < candidates.size(); i++) {
      JsonObject candidate = candidates.getJsonObject(i);
      JsonObject content = candidate.getJsonObject("content", new JsonObject());
      StringBuilder text = new StringBuilder();
      JsonArray calls = new JsonArray();
      for (Object p : content.getJsonArray("parts", new JsonArray())) {
        if (p instanceof JsonObject part) {
          if (part.getValue("text") instanceof String t && !Boolean.TRUE.equals(part.getValue("thought"))) {
            text.append(t);
          } else if (part.getValue("functionCall") instanceof JsonObject call) {
            calls.add(new JsonObject().put("id", callId(id, i, calls.size())).put("type", "function")
                .put("function", new JsonObject().put("name", call.getValue("name"))
                    .put("arguments", call.getValue("args") instanceof JsonObject args ? args.encode() : "{}")));
          }
        }
      }
      JsonObject message = new JsonObject().put("role", "assistant")
          .put("content", text.length() == 0 && !calls.isEmpty() ? null : text.toString());
      if (!calls.isEmpty()) {
        message.put("tool_calls", calls);
      }
      choices.add(choice(candidate.getInteger("index", i), message,
          finishReason(candidate.getString("finishReason"), !calls.isEmpty())));
    }
    JsonObject completion = new JsonObject().put("id", id).put("object", "chat.completion").put("created", createdSeconds)
        .put("model", response.getValue("modelVersion")).put("choices", choices);
    JsonObject usage = usage(response.getJsonObject("usageMetadata"));
    if (usage != null) {
      completion.put("usage", usage);
    }
    return completion;
  }

  private static JsonObject choice(int index, JsonObject message, String finishReason) {
    return new JsonObject().put("index", index).put("message", message).put("logprobs", null).put("finish_reason", finishReason);
  }

  static String callId(String responseId, int candidate, int call) {
    return "call_" + responseId + "_" + candidate + "_" + call;
  }

  /** OpenAI's usage for Gemini's {@code usageMetadata}, or null when there is none. */
  static JsonObject usage(JsonObject metadata) {
    if (metadata == null) {
      return null;
    }
    // tool-use prompt tokens (the results of tools Gemini ran itself) are billed as prompt, thoughts as output
    String[] fields = {"promptTokenCount", "candidatesTokenCount", "thoughtsTokenCount", "cachedContentTokenCount",
        "toolUsePromptTokenCount"};
    long[] counts = new long[fields.length];
    for (int i = 0; i < fields.length; i++) {
      Object value = metadata.getValue(fields[i]);
      if (value == null && i > 0) {
        continue;
      }
      Long count = ChatChunk.count(value);
      if (count == null) {
        // a part that is not a whole count from 0 must not vanish into a believable sum: the gateway's own count then
        return ChatChunk.uncountable(fields[i], value);
      }
      counts[i] = count;
    }
    return ChatChunk.usage(counts[0] + counts[4], counts[1] + counts[2], counts[3]);
  }

  /** OpenAI's {@code finish_reason} for Gemini's {@code finishReason}, or null while the candidate goes on. */
  static String finishReason(String reason, boolean calledTools) {
    if (reason == null) {
      return null;
    }
    return switch (reason) {
      case "MAX_TOKENS" -> "length";
      case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY" -> "content_filter";
      default -> calledTools ? "tool_calls" : "stop";
    };
  }
}
