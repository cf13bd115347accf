package io.tollgate.providers.gemini;

import io.tollgate.providers.ChatParts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * An OpenAI chat body as a {@code generateContent} request: system messages become {@code systemInstruction},
 * the rest {@code contents} of {@code user} and {@code model} turns (tool calls as {@code functionCall} parts, tool
 * results as {@code functionResponse} parts), and the sampling settings {@code generationConfig}. The model is
 * named in the path, not the body.
 */
final class GeminiRequest {
  private GeminiRequest() {}

  static JsonObject from(JsonObject chat, long defaultMaxTokens) {
    JsonArray messages = chat.getJsonArray("messages", new JsonArray());
    JsonObject out = new JsonObject();
    StringBuilder system = new StringBuilder();
    JsonArray contents = new JsonArray();
    for (Object m : messages) {
      if (!(m instanceof JsonObject message)) {
        continue;
      }
      String role = String.valueOf(message.getValue("role"));
      if (role.equals("system") || role.equals("developer")) {
        system.append(system.length() == 0 ? "" : "\n\n").append(ChatParts.text(message.getValue("content")));
        continue;
      }
      String turn = role.equals("assistant") ? "model" : "user";
      JsonArray parts = parts(message, messages);
      JsonObject last = contents.isEmpty() ? null : contents.getJsonObject(contents.size() - 1);
      if (last != null && turn.equals(last.getString("role"))) {
        last.getJsonArray("parts").addAll(parts);
      } else {
        contents.add(new JsonObject().put("role", turn).put("parts", parts));
      }
    }
    if (system.length() > 0) {
      out.put("systemInstruction", new JsonObject().put("parts", new JsonArray().add(new JsonObject().put("text", system.toString()))));
    }
    out.put("contents", contents);
    out.put("generationConfig", generationConfig(chat, defaultMaxTokens));
    tools(chat, out);
    return out;
  }

  private static JsonArray parts(JsonObject message, JsonArray messages) {
    JsonArray parts = new JsonArray();
    Object content = message.getValue("content");
    if ("tool".equals(message.getValue("role"))) {
      String id = message.getString("tool_call_id");
      String name = ChatParts.toolName(messages, id);
      String text = ChatParts.text(content);
      JsonObject response;
      try {
        response = new JsonObject(text);
      } catch (RuntimeException notAnObject) {
        response = new JsonObject().put("content", text);
      }
      JsonObject call = new JsonObject().put("name", name == null ? id : name).put("response", response);
      return parts.add(new JsonObject().put("functionResponse", call));
    }
    if (content instanceof String text) {
      if (!text.isEmpty()) {
        parts.add(new JsonObject().put("text", text));
      }
    } else if (content instanceof JsonArray list) {
      for (Object p : list) {
        if (p instanceof JsonObject part) {
          if ("text".equals(part.getValue("type")) && part.getValue("text") instanceof String t) {
            parts.add(new JsonObject().put("text", t));
            continue;
          }
          ChatParts.Image image = ChatParts.image(part);
          if (image != null) {
            parts.add(image.base64() != null
                ? new JsonObject().put("inlineData", new JsonObject().put("mimeType", image.mediaType()).put("data", image.base64()))
                : new JsonObject().put("fileData", new JsonObject().put("mimeType", image.mediaType()).put("fileUri", image.url())));
          }
        }
      }
    }
    if (message.getValue("tool_calls") instanceof JsonArray calls) {
      for (Object c : calls) {
        if (c instanceof JsonObject call && call.getValue("function") instanceof JsonObject function) {
          parts.add(new JsonObject().put("functionCall", new JsonObject().put("name", function.getValue("name"))
              .put("args", ChatParts.arguments(function.getValue("arguments")))));
        }
      }
    }
    return parts;
  }

  private static JsonObject generationConfig(JsonObject chat, long defaultMaxTokens) {
    JsonObject config = new JsonObject().put("maxOutputTokens", ChatParts.maxTokens(chat, defaultMaxTokens));
    if (chat.getValue("temperature") instanceof Number t) {
      config.put("temperature", t);
    }
    if (chat.getValue("top_p") instanceof Number p) {
      config.put("topP", p);
    }
    JsonArray stops = ChatParts.stops(chat.getValue("stop"));
    if (stops != null) {
      config.put("stopSequences", stops);
    }
    if (chat.getValue("response_format") instanceof JsonObject format
        && ("json_object".equals(format.getValue("type")) || "json_schema".equals(format.getValue("type")))) {
      config.put("responseMimeType", "application/json");
    }
    return config;
  }

  private static void tools(JsonObject chat, JsonObject out) {
    if (!(chat.getValue("tools") instanceof JsonArray tools) || tools.isEmpty()) {
      return;
    }
    JsonArray declarations = new JsonArray();
    for (Object t : tools) {
      if (t instanceof JsonObject tool && tool.getValue("function") instanceof JsonObject function) {
        JsonObject declaration = new JsonObject().put("name", function.getValue("name"));
        if (function.getValue("description") instanceof String description) {
          declaration.put("description", description);
        }
        if (function.getValue("parameters") instanceof JsonObject parameters) {
          declaration.put("parameters", parameters);
        }
        declarations.add(declaration);
      }
    }
    out.put("tools", new JsonArray().add(new JsonObject().put("functionDeclarations", declarations)));
    Object choice = chat.getValue("tool_choice");
    JsonObject calling = null;
    if ("auto".equals(choice)) {
      calling = new JsonObject().put("mode", "AUTO");
    } else if ("required".equals(choice)) {
      calling = new JsonObject().put("mode", "ANY");
    } else if ("none".equals(choice)) {
      calling = new JsonObject().put("mode", "NONE");
    } else if (choice instanceof JsonObject named && named.getValue("function") instanceof JsonObject function) {
      calling = new JsonObject().put("mode", "ANY").put("allowedFunctionNames", new JsonArray().add(function.getValue("name")));
    }
    if (calling != null) {
      out.put("toolConfig", new JsonObject().put("functionCallingConfig", calling));
    }
  }
}
