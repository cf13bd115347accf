package io.tollgate.proxy;

import io.tollgate.config.CatalogModel;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.tollgate.http.ApiException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * Checks request bodies before anything else happens, so a request the client got wrong is refused with a
 * 400 that names the parameter, and never reaches an upstream or costs anything.
 */
public final class RequestValidator {
  private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");
  private static final Set<String> FORMATS = Set.of("text", "json_object", "json_schema");

  private RequestValidator() {}

  public static JsonObject parse(Buffer body) {
    if (body == null || body.length() == 0) {
      throw ApiException.invalid(null, "invalid_json", "The request body is empty; send a JSON object.");
    }
    Object value;
    try {
      value = io.vertx.core.json.Json.decodeValue(body);
    } catch (DecodeException e) {
      throw ApiException.invalid(null, "invalid_json", "The request body is not valid JSON" + where(e) + ".");
    }
    if (value instanceof JsonObject object) {
      return object;
    }
    if (value instanceof java.util.Map<?, ?>) {
      return new JsonObject(body);
    }
    throw ApiException.invalid(null, "invalid_json", "The request body must be a JSON object.");
  }

  /**
   * Where the parser stopped, as " at line L, column C", or "" when it did not say; never the parser's own wording,
   * which names its classes and settings.
   */
  private static String where(DecodeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof JsonProcessingException parser && parser.getLocation() != null) {
        JsonLocation at = parser.getLocation();
        return " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      }
    }
    return "";
  }

  /** The {@code model} field, present in every request. */
  public static String model(JsonObject body) {
    Object model = body.getValue("model");
    if (model == null) {
      throw ApiException.invalid("model", "missing_required_parameter", "Missing required parameter: 'model'.");
    }
    if (!(model instanceof String s) || s.isBlank()) {
      throw ApiException.invalid("model", "invalid_type", "'model' must be a non-empty string.");
    }
    return s;
  }

  public static void chat(JsonObject body, CatalogModel model) {
    Object messages = body.getValue("messages");
    if (messages == null) {
      throw ApiException.invalid("messages", "missing_required_parameter", "Missing required parameter: 'messages'.");
    }
    if (!(messages instanceof JsonArray list)) {
      throw ApiException.invalid("messages", "invalid_type", "'messages' must be an array of message objects.");
    }
    if (list.isEmpty()) {
      throw ApiException.invalid("messages", "invalid_value", "'messages' must contain at least one message.");
    }
    for (int i = 0; i < list.size(); i++) {
      message(list.getValue(i), "messages[" + i + "]");
    }
    outputControls(body, model);
    bool(body, "stream");
    Object options = body.getValue("stream_options");
    if (options != null) {
      if (!(options instanceof JsonObject o)) {
        throw ApiException.invalid("stream_options", "invalid_type", "'stream_options' must be an object.");
      }
      if (!Boolean.TRUE.equals(body.getValue("stream"))) {
        throw ApiException.invalid("stream_options", "invalid_value", "'stream_options' is only allowed when 'stream' is true.");
      }
      Object includeUsage = o.getValue("include_usage");
      if (includeUsage != null && !(includeUsage instanceof Boolean)) {
        throw ApiException.invalid("stream_options.include_usage", "invalid_type",
            "'stream_options.include_usage' must be true or false.");
      }
    }
    range(body, "temperature", 0, 2);
    range(body, "top_p", 0, 1);
    range(body, "presence_penalty", -2, 2);
    range(body, "frequency_penalty", -2, 2);
    tools(body.getValue("tools"));
    Object format = body.getValue("response_format");
    if (format != null) {
      if (!(format instanceof JsonObject f) || !(f.getValue("type") instanceof String type) || !FORMATS.contains(type)) {
        throw ApiException.invalid("response_format", "invalid_value",
            "'response_format' must be an object whose 'type' is one of text, json_object, json_schema.");
      }
    }
  }

  /** The fields that size a chat request's output: {@code max_tokens}, {@code max_completion_tokens} and {@code n}. */
  public static void outputControls(JsonObject body, CatalogModel model) {
    maxTokens(body, "max_tokens", model);
    maxTokens(body, "max_completion_tokens", model);
    integer(body, "n", 1, 8);
  }

  public static void embeddings(JsonObject body) {
    Object input = body.getValue("input");
    if (input == null) {
      throw ApiException.invalid("input", "missing_required_parameter", "Missing required parameter: 'input'.");
    }
    boolean ok = input instanceof String s && !s.isEmpty()
        || input instanceof JsonArray a && !a.isEmpty() && a.stream().allMatch(RequestValidator::embeddingItem);
    if (!ok) {
      throw ApiException.invalid("input", "invalid_type",
          "'input' must be a non-empty string, an array of strings, or an array of token arrays.");
    }
    Object format = body.getValue("encoding_format");
    if (format != null && !"float".equals(format) && !"base64".equals(format)) {
      throw ApiException.invalid("encoding_format", "invalid_value", "'encoding_format' must be 'float' or 'base64'.");
    }
    integer(body, "dimensions", 1, 65_536);
  }

  private static boolean embeddingItem(Object item) {
    return item instanceof String s && !s.isEmpty()
        || item instanceof Number
        || item instanceof JsonArray tokens && !tokens.isEmpty() && tokens.stream().allMatch(t -> t instanceof Number);
  }

  private static void message(Object value, String param) {
    if (!(value instanceof JsonObject m)) {
      throw ApiException.invalid(param, "invalid_type", "'" + param + "' must be an object with 'role' and 'content'.");
    }
    Object role = m.getValue("role");
    if (!(role instanceof String r) || !ROLES.contains(r)) {
      throw ApiException.invalid(param + ".role", "invalid_value",
          "'" + param + ".role' must be one of system, developer, user, assistant, tool.");
    }
    Object content = m.getValue("content");
    if (content == null) {
      if (!"assistant".equals(r)) {
        throw ApiException.invalid(param + ".content", "missing_required_parameter", "'" + param + ".content' is required.");
      }
      return;
    }
    if (content instanceof JsonArray parts) {
      for (int i = 0; i < parts.size(); i++) {
        if (!(parts.getValue(i) instanceof JsonObject part) || !(part.getValue("type") instanceof String)) {
          throw ApiException.invalid(param + ".content[" + i + "]", "invalid_type",
              "Each content part must be an object with a 'type' (text, image_url, input_audio, file).");
        }
      }
    } else if (!(content instanceof String)) {
      throw ApiException.invalid(param + ".content", "invalid_type", "'" + param + ".content' must be a string or an array of content parts.");
    }
  }

  private static void tools(Object tools) {
    if (tools == null) {
      return;
    }
    if (!(tools instanceof JsonArray list)) {
      throw ApiException.invalid("tools", "invalid_type", "'tools' must be an array.");
    }
    for (int i = 0; i < list.size(); i++) {
      Object tool = list.getValue(i);
      boolean ok = tool instanceof JsonObject t && "function".equals(t.getValue("type"))
          && t.getValue("function") instanceof JsonObject f && f.getValue("name") instanceof String name && !name.isBlank();
      if (!ok) {
        throw ApiException.invalid("tools[" + i + "]", "invalid_value",
            "'tools[" + i + "]' must be {\"type\": \"function\", \"function\": {\"name\": ...}}.");
      }
    }
  }

  private static void maxTokens(JsonObject body, String field, CatalogModel model) {
    Object value = body.getValue(field);
    if (value == null) {
      return;
    }
    if (!(value instanceof Integer || value instanceof Long)) {
      throw ApiException.invalid(field, "invalid_type", "'" + field + "' must be an integer.");
    }
    long v = ((Number) value).longValue();
    if (v < 1 || v > model.maxOutputTokens()) {
      throw ApiException.invalid(field, "invalid_value", "'" + field + "': " + v + " (expected: 1 to "
          + model.maxOutputTokens() + ", the most '" + model.id() + "' can write)");
    }
  }

  private static void bool(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value != null && !(value instanceof Boolean)) {
      throw ApiException.invalid(field, "invalid_type", "'" + field + "' must be true or false.");
    }
  }

  private static void range(JsonObject body, String field, double min, double max) {
    Object value = body.getValue(field);
    if (value == null) {
      return;
    }
    if (!(value instanceof Number n)) {
      throw ApiException.invalid(field, "invalid_type", "'" + field + "' must be a number.");
    }
    double v = n.doubleValue();
    if (v < min || v > max || Double.isNaN(v)) {
      throw ApiException.invalid(field, "invalid_value", "'" + field + "': " + n + " (expected: " + min + " to " + max + ")");
    }
  }

  private static void integer(JsonObject body, String field, long min, long max) {
    Object value = body.getValue(field);
    if (value == null) {
      return;
    }
    if (!(value instanceof Integer || value instanceof Long)) {
      throw ApiException.invalid(field, "invalid_type", "'" + field + "' must be an integer.");
    }
    long v = ((Number) value).longValue();
    if (v < min || v > max) {
      throw ApiException.invalid(field, "invalid_value", "'" + field + "': " + v + " (expected: " + min + " to " + max + ")");
    }
  }
}
