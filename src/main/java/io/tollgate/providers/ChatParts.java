package io.tollgate.providers;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Reading the pieces of an OpenAI chat body that every provider translation needs. */
public final class ChatParts {
  private ChatParts() {}

  /** An image given as a {@code data:} URL ({@code base64} set) or as a link ({@code url} set). */
  public record Image(String mediaType, String base64, String url) {}

  /** The text of a message's content: the string itself, or its text parts joined. */
  public static String text(Object content) {
    if (content instanceof String s) {
      return s;
    }
    StringBuilder out = new StringBuilder();
    if (content instanceof JsonArray parts) {
      for (Object p : parts) {
        if (p instanceof JsonObject part && part.getValue("text") instanceof String t) {
          out.append(t);
        }
      }
    }
    return out.toString();
  }

  /** The image of an {@code image_url} part, or null when the part is not one. */
  public static Image image(JsonObject part) {
    if (!"image_url".equals(part.getValue("type"))) {
      return null;
    }
    Object value = part.getValue("image_url");
    String url = value instanceof JsonObject o ? o.getString("url") : value instanceof String s ? s : null;
    if (url == null) {
      return null;
    }
    if (url.regionMatches(true, 0, "data:", 0, 5)) {
      int comma = url.indexOf(',');
      int semicolon = url.indexOf(';');
      if (comma > 0 && semicolon > 0 && semicolon < comma) {
        return new Image(url.substring(5, semicolon), url.substring(comma + 1), null);
      }
    }
    return new Image(mediaTypeOf(url), null, url);
  }

  /** A tool call's {@code arguments} text as an object; text that is no JSON object is kept under {@code arguments}. */
  public static JsonObject arguments(Object arguments) {
    if (!(arguments instanceof String text) || text.isBlank()) {
      return new JsonObject();
    }
    try {
      return new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      return new JsonObject().put("arguments", text);
    }
  }

  /** The stop sequences of {@code stop} (a string or a list), or null when there are none. */
  public static JsonArray stops(Object stop) {
    if (stop instanceof String s) {
      return new JsonArray().add(s);
    }
    if (stop instanceof JsonArray list && !list.isEmpty()) {
      return list.copy();
    }
    return null;
  }

  /** The output cap the body asks for, or {@code defaultMaxTokens} when it sets none. */
  public static long maxTokens(JsonObject chat, long defaultMaxTokens) {
    if (chat.getValue("max_completion_tokens") instanceof Number n) {
      return n.longValue();
    }
    if (chat.getValue("max_tokens") instanceof Number n) {
      return n.longValue();
    }
    return defaultMaxTokens;
  }

  /** The name of the function a tool call with {@code id} called, looked up in the assistant messages before it. */
  public static String toolName(JsonArray messages, String id) {
    for (Object m : messages) {
      if (m instanceof JsonObject message && message.getValue("tool_calls") instanceof JsonArray calls) {
        for (Object c : calls) {
          if (c instanceof JsonObject call && id != null && id.equals(call.getValue("id"))
              && call.getValue("function") instanceof JsonObject function) {
            return function.getString("name");
          }
        }
      }
    }
    return null;
  }

  private static String mediaTypeOf(String url) {
    String lower = url.toLowerCase(java.util.Locale.ROOT);
    int query = lower.indexOf('?');
    String path = query < 0 ? lower : lower.substring(0, query);
    if (path.endsWith(".png")) {
      return "image/png";
    }
    if (path.endsWith(".gif")) {
      return "image/gif";
    }
    if (path.endsWith(".webp")) {
      return "image/webp";
    }
    return "image/jpeg";
  }
}
