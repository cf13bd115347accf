package io.tollgate.providers.anthropic;

import io.tollgate.providers.ChatParts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * An OpenAI chat body as a Messages API request: system and developer messages become {@code system}; user,
 * assistant and tool messages become alternating turns of content blocks (tool calls as {@code tool_use}, tool
 * results as {@code tool_result} in the next user turn); {@code stop} becomes {@code stop_sequences}; and
 * {@code max_tokens}, which Anthropic requires, is the body's or the model's cap.
 */
final class AnthropicRequest {
  private AnthropicRequest() {}

  static JsonObject from(JsonObject chat, long defaultMaxTokens) {
    JsonObject out = new JsonObject()
        .put("model", chat.getValue("model"))
        .put("max_tokens", ChatParts.maxTokens(chat, defaultMaxTokens));
    JsonArray messages = chat.getJsonArray("messages", new JsonArray());
    String system = system(messages);
    if (!system.isEmpty()) {
      out.put("system", system);
    }
    out.put("messages", turns(messages));
    JsonArray stops = ChatParts.stops(chat.getValue("stop"));
    if (stops != null) {
      out.put("stop_sequences", stops);
    }
    if (chat.getValue("temperature") instanceof Number t) {
      // OpenAI accepts up to 2, Anthropic up to 1
      out.put("temperature", Math.min(1.0, t.doubleValue()));
    }
    if (chat.getValue("top_p") instanceof Number p) {
      out.put("top_p", p);
    }
    if (Boolean.TRUE.equals(chat.getValue("stream"))) {
      out.put("stream", true);
    }
    if (chat.getValue("user") instanceof String user) {
      out.put("metadata", new JsonObject().put("user_id", user));
    }
    tools(chat, out);
    return out;
  }

  private static String system(JsonArray messages) {
    StringBuilder system = new StringBuilder();
    for (Object m : messages) {
      if (m instanceof JsonObject message && isSystem(message)) {
        if (system.length() > 0) {
          system.append("\n\n");
        }
        system.append(ChatParts.text(message.getValue("content")));
      }
    }
    return system.toString();
  }

  private static boolean isSystem(JsonObject message) {
    return "system".equals(message.getValue("role")) || "developer".equals(message.getValue("role"));
  }

  /** The non-system messages as turns; consecutive messages of one side join one turn, as Anthropic expects. */
  private static JsonArray turns(JsonArray messages) {
    JsonArray turns = new JsonArray();
    for (Object m : messages) {
      if (!(m instanceof JsonObject message) || isSystem(message)) {
        continue;
      }
      String role = "assistant".equals(message.getValue("role")) ? "assistant" : "user";
      JsonArray blocks = blocks(message);
      JsonObject last = turns.isEmpty() ? null : turns.getJsonObject(turns.size() - 1);
      if (last != null && role.equals(last.getString("role"))) {
        last.getJsonArray("content").addAll(blocks);
      } else {
        turns.add(new JsonObject().put("role", role).put("content", blocks));
      }
    }
    return turns;
  }

  private static JsonArray blocks(JsonObject message) {
    JsonArray blocks = new JsonArray();
    Object content = message.getValue("content");
    if ("tool".equals(message.getValue("role")) || "function".equals(message.getValue("role"))) {
      return blocks.add(new JsonObject().put("type", "tool_result")
          .put("tool_use_id", message.getValue("tool_call_id", message.getValue("name")))
          .put("content", ChatParts.text(content)));
    }
    if (content instanceof String text) {
      if (!text.isEmpty()) {
        blocks.add(text(text));
      }
    } else if (content instanceof JsonArray parts) {
      for (Object p : parts) {
        if (p instanceof JsonObject part) {
          JsonObject block = block(part);
          if (block != null) {
            blocks.add(block);
          }
        }
      }
    }
    if (message.getValue("tool_calls") instanceof JsonArray calls) {
      for (Object c : calls) {
        if (c instanceof JsonObject call && call.getValue("function") instanceof JsonObject function) {
          blocks.add(new JsonObject().put("type", "tool_use").put("id", call.getValue("id"))
              .put("name", function.getValue("name")).put("input", ChatParts.arguments(function.getValue("arguments"))));
        }
      }
    }
    return blocks;
  }

  private static JsonObject block(JsonObject part) {
    if ("text".equals(part.getValue("type")) && part.getValue("text") instanceof String t) {
      return text(t);
    }
    ChatParts.Image image = ChatParts.image(part);
    if (image == null) {
      return null;
    }
    JsonObject source = image.base64() != null
        ? new JsonObject().put("type", "base64").put("media_type", image.mediaType()).put("data", image.base64())
        : new JsonObject().put("type", "url").put("url", image.url());
    return new JsonObject().put("type", "image").put("source", source);
  }

  private static JsonObject text(String text) {
    return new JsonObject().put("type", "text").put("text", text);
  }

  private static void tools(JsonObject chat, JsonObject out) {
    if (chat.getValue("tools") instanceof JsonArray tools && !tools.isEmpty()) {
      JsonArray translated = new JsonArray();
      for (Object t : tools) {
        if (t instanceof JsonObject tool && tool.getValue("function") instanceof JsonObject function) {
          JsonObject entry = new JsonObject().put("name", function.getValue("name"));
          if (function.getValue("description") instanceof String description) {
            entry.put("description", description);
          }
          entry.put("input_schema", function.getValue("parameters") instanceof JsonObject schema
              ? schema : new JsonObject().put("type", "object").put("properties", new JsonObject()));
          translated.add(entry);
        }
      }
      out.put("tools", translated);
    }
    JsonObject choice = toolChoice(chat.getValue("tool_choice"));
    if (choice != null && Boolean.FALSE.equals(chat.getValue("parallel_tool_calls"))) {
      choice.put("disable_parallel_tool_use", true);
    } else if (choice == null && Boolean.FALSE.equals(chat.getValue("parallel_tool_calls")) && out.containsKey("tools")) {
      choice = new JsonObject().put("type", "auto").put("disable_parallel_tool_use", true);
    }
    if (choice != null && out.containsKey("tools")) {
      out.put("tool_choice", choice);
    }
  }

  private static JsonObject toolChoice(Object choice) {
    if ("auto".equals(choice)) {
      return new JsonObject().put("type", "auto");
    }
    if ("required".equals(choice)) {
      return new JsonObject().put("type", "any");
    }
    if ("none".equals(choice)) {
      return new JsonObject().put("type", "none");
    }
    if (choice instanceof JsonObject named && named.getValue("function") instanceof JsonObject function) {
      return new JsonObject().put("type", "tool").put("name", function.getValue("name"));
    }
    return null;
  }
}
