package io.tollgate.providers.anthropic;

import io.tollgate.http.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A client's Messages API request as the OpenAI chat body the request path works in: {@code system} as a system
 * message, content blocks as parts ({@code tool_use} as tool calls, each {@code tool_result} as a tool message right
 * after the calls it answers), {@code stop_sequences} as {@code stop}, tools and the tool choice as functions.
 * Thinking blocks, {@code top_k} and {@code cache_control} have no OpenAI counterpart and are left out.
 */
final class MessagesRequest {
  private MessagesRequest() {}

  /** @param forCount true for {@code count_tokens}, which takes no {@code max_tokens} */
  static JsonObject toChat(JsonObject body, boolean forCount) {
    JsonObject chat = new JsonObject();
    if (body.getValue("model") != null) {
      chat.put("model", body.getValue("model"));
    }
    Object maxTokens = body.getValue("max_tokens");
    if (!forCount) {
      if (maxTokens == null) {
        throw ApiException.invalid("max_tokens", "missing_required_parameter", "max_tokens: Field required");
      }
      chat.put("max_tokens", maxTokens);
    }
    JsonArray messages = new JsonArray();
    Object system = body.getValue("system");
    if (system != null) {
      messages.add(new JsonObject().put("role", "system").put("content", text(system, "system")));
    }
    Object turns = body.getValue("messages");
    if (!(turns instanceof JsonArray list)) {
      throw ApiException.invalid("messages", "invalid_type", "messages: Input should be a valid list");
    }
    for (int i = 0; i < list.size(); i++) {
      turn(list.getValue(i), "messages." + i, messages);
    }
    chat.put("messages", messages);
    copy(body, "temperature", chat, "temperature");
    copy(body, "top_p", chat, "top_p");
    if (body.getValue("stop_sequences") instanceof JsonArray stops && !stops.isEmpty()) {
      chat.put("stop", stops);
    }
    if (Boolean.TRUE.equals(body.getValue("stream"))) {
      // an Anthropic stream always reports usage
      chat.put("stream", true).put("stream_options", new JsonObject().put("include_usage", true));
    }
    if (body.getValue("metadata") instanceof JsonObject metadata && metadata.getValue("user_id") instanceof String user) {
      chat.put("user", user);
    }
    tools(body, chat);
    return chat;
  }

  private static void turn(Object value, String at, JsonArray out) {
    if (!(value instanceof JsonObject message) || !(message.getValue("role") instanceof String role)
        || !(role.equals("user") || role.equals("assistant"))) {
      throw ApiException.invalid("messages", "invalid_value", at + ": expected an object with role 'user' or 'assistant'");
    }
    Object content = message.getValue("content");
    if (content instanceof String text) {
      out.add(new JsonObject().put("role", role).put("content", text));
      return;
    }
    if (!(content instanceof JsonArray blocks)) {
      throw ApiException.invalid("messages", "invalid_type", at + ".content: expected a string or a list of content blocks");
    }
    JsonArray parts = new JsonArray();
    JsonArray calls = new JsonArray();
    for (int i = 0; i < blocks.size(); i++) {
      if (!(blocks.getValue(i) instanceof JsonObject block)) {
        throw ApiException.invalid("messages", "invalid_type", at + ".content." + i + ": expected a content block");
      }
      switch (String.valueOf(block.getValue("type"))) {
        case "text" -> parts.add(new JsonObject().put("type", "text").put("text", block.getString("text", "")));
        case "image" -> parts.add(image(block, at + ".content." + i));
        case "tool_use" -> calls.add(new JsonObject().put("id", block.getValue("id")).put("type", "function")
            .put("function", new JsonObject().put("name", block.getValue("name"))
                .put("arguments", block.getValue("input") instanceof JsonObject input ? input.encode() : "{}")));
        // tool results answer the calls of the turn before: in OpenAI's order they come first, one message each
        case "tool_result" -> out.add(new JsonObject().put("role", "tool").put("tool_call_id", block.getValue("tool_use_id"))
            .put("content", (Boolean.TRUE.equals(block.getValue("is_error")) ? "Error: " : "")
                + text(block.getValue("content", ""), at + ".content." + i + ".content")));
        case "thinking", "redacted_thinking" -> { }
        default -> throw ApiException.invalid("messages", "invalid_value",
            at + ".content." + i + ": unsupported content block type '" + block.getValue("type") + "'");
      }
    }
    if (parts.isEmpty() && calls.isEmpty()) {
      return;
    }
    JsonObject translated = new JsonObject().put("role", role);
    if (role.equals("assistant")) {
      // an assistant's content is text in OpenAI's shape
      StringBuilder text = new StringBuilder();
      parts.forEach(p -> text.append(((JsonObject) p).getString("text", "")));
      translated.put("content", text.length() == 0 && !calls.isEmpty() ? null : text.toString());
    } else {
      translated.put("content", parts);
    }
    if (!calls.isEmpty()) {
      translated.put("tool_calls", calls);
    }
    out.add(translated);
  }

  private static JsonObject image(JsonObject block, String at) {
    JsonObject source = block.getJsonObject("source", new JsonObject());
    String url = switch (String.valueOf(source.getValue("type"))) {
      case "base64" -> "data:" + source.getString("media_type", "image/png") + ";base64," + source.getString("data", "");
      case "url" -> source.getString("url");
      default -> throw ApiException.invalid("messages", "invalid_value", at + ".source: expected type 'base64' or 'url'");
    };
    return new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", url));
  }

  /** A string, or the text of a list of text blocks. */
  private static String text(Object value, String at) {
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof JsonArray blocks) {
      StringBuilder out = new StringBuilder();
      for (Object b : blocks) {
        if (b instanceof JsonObject block && block.getValue("text") instanceof String t) {
          out.append(out.length() == 0 ? "" : "\n").append(t);
        }
      }
      return out.toString();
    }
    throw ApiException.invalid(at, "invalid_type", at + ": expected a string or a list of text blocks");
  }

  private static void copy(JsonObject from, String field, JsonObject to, String as) {
    if (from.getValue(field) != null) {
      to.put(as, from.getValue(field));
    }
  }

  private static void tools(JsonObject body, JsonObject chat) {
    if (body.getValue("tools") instanceof JsonArray tools && !tools.isEmpty()) {
      JsonArray functions = new JsonArray();
      for (Object t : tools) {
        if (t instanceof JsonObject tool) {
          JsonObject function = new JsonObject().put("name", tool.getValue("name"));
          if (tool.getValue("description") instanceof String description) {
            function.put("description", description);
          }
          if (tool.getValue("input_schema") instanceof JsonObject schema) {
            function.put("parameters", schema);
          }
          functions.add(new JsonObject().put("type", "function").put("function", function));
        }
      }
      chat.put("tools", functions);
    }
    if (body.getValue("tool_choice") instanceof JsonObject choice) {
      switch (String.valueOf(choice.getValue("type"))) {
        case "auto" -> chat.put("tool_choice", "auto");
        case "any" -> chat.put("tool_choice", "required");
        case "none" -> chat.put("tool_choice", "none");
        case "tool" -> chat.put("tool_choice", new JsonObject().put("type", "function")
            .put("function", new JsonObject().put("name", choice.getValue("name"))));
        default -> throw ApiException.invalid("tool_choice", "invalid_value", "tool_choice.type: expected auto, any, tool or none");
      }
      if (Boolean.TRUE.equals(choice.getValue("disable_parallel_tool_use")) && chat.containsKey("tools")) {
        chat.put("parallel_tool_calls", false);
      }
    }
  }
}
