package io.tollgate.providers.anthropic;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** A Messages API answer as an OpenAI chat completion: text joined, {@code tool_use} blocks as tool calls. */
final class AnthropicAnswer {
  private AnthropicAnswer() {}

  static JsonObject toChat(JsonObject message, long createdSeconds) {
    if (!(message.getValue("content") instanceof JsonArray content)) {
      throw new IllegalArgumentException("a Messages answer without content");
    }
    StringBuilder text = new StringBuilder();
    JsonArray calls = new JsonArray();
    for (Object b : content) {
      if (!(b instanceof JsonObject block)) {
        continue;
      }
      if ("text".equals(block.getValue("type")) && block.getValue("text") instanceof String t) {
        text.append(t);
      } else if ("tool_use".equals(block.getValue("type"))) {
        Object input = block.getValue("input");
        calls.add(new JsonObject().put("id", block.getValue("id")).put("type", "function")
            .put("function", new JsonObject().put("name", block.getValue("name"))
                .put("arguments", input instanceof JsonObject o ? o.encode() : "{}")));
      }
    }
    JsonObject reply = new JsonObject().put("role", "assistant")
        .put("content", text.length() == 0 && !calls.isEmpty() ? null : text.toString())
        .put("refusal", null);
    if (!calls.isEmpty()) {
      reply.put("tool_calls", calls);
    }
    JsonObject completion = new JsonObject()
        .put("id", message.getValue("id"))
        .put("object", "chat.completion")
        .put("created", createdSeconds)
        .put("model", message.getValue("model"))
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("message", reply)
            .put("logprobs", null).put("finish_reason", AnthropicUsage.finishReason(message.getString("stop_reason")))));
    JsonObject usage = AnthropicUsage.toChat(message.getJsonObject("usage"), null);
    if (usage != null) {
      completion.put("usage", usage);
    }
    return completion;
  }
}
