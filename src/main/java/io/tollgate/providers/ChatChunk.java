package io.tollgate.providers;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Builds the OpenAI {@code chat.completion.chunk} objects a translated stream is made of. */
public final class ChatChunk {
  private final String id;
  private final String model;
  private final long created;

  public ChatChunk(String id, String model, long created) {
    this.id = id;
    this.model = model;
    this.created = created;
  }

  /** A chunk with one choice carrying {@code delta}. */
  public JsonObject delta(JsonObject delta) {
    return choice(delta, null);
  }

  /** The chunk that ends the choice with {@code finishReason}. */
  public JsonObject finish(String finishReason) {
    return choice(new JsonObject(), finishReason);
  }

  /** The usage chunk: no choices, only {@code usage}. */
  public JsonObject usage(JsonObject usage) {
    return envelope(new JsonArray()).put("usage", usage);
  }

  /** A tool call's opening delta, with its id and name. */
  public JsonObject toolCallStart(int index, String callId, String name) {
    return delta(new JsonObject().put("tool_calls", new JsonArray().add(new JsonObject().put("index", index)
        .put("id", callId).put("type", "function").put("function", new JsonObject().put("name", name).put("arguments", "")))));
  }

  /** A piece of a tool call's arguments. */
  public JsonObject toolArguments(int index, String arguments) {
    return delta(new JsonObject().put("tool_calls", new JsonArray().add(new JsonObject().put("index", index)
        .put("function", new JsonObject().put("arguments", arguments)))));
  }

  private JsonObject choice(JsonObject delta, String finishReason) {
    return envelope(new JsonArray().add(new JsonObject().put("index", 0).put("delta", delta)
        .put("logprobs", null).put("finish_reason", finishReason)));
  }

  private JsonObject envelope(JsonArray choices) {
    return new JsonObject().put("id", id).put("object", "chat.completion.chunk").put("created", created)
        .put("model", model).put("choices", choices);
  }

  /** An OpenAI-shaped error object, as a stream event carrying an error. */
  public static JsonObject error(String type, String message) {
    return new JsonObject().put("error", new JsonObject().put("message", message).put("type", type)
        .put("param", null).put("code", type));
  }

  /** A usage object in OpenAI's words. */
  public static JsonObject usage(long promptTokens, long completionTokens, long cachedTokens) {
    JsonObject usage = new JsonObject().put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
        .put("total_tokens", promptTokens + completionTokens);
    if (cachedTokens > 0) {
      usage.put("prompt_tokens_details", new JsonObject().put("cached_tokens", cachedTokens));
    }
    return usage;
  }

  /**
   * A provider's error body ({@code {"error": {"message", <typeField>}}}) as OpenAI's error, the provider's type as its
   * type and code; the body unchanged when it is not of that shape.
   */
  public static io.vertx.core.buffer.Buffer errorFrom(io.vertx.core.buffer.Buffer upstream, String typeField) {
    try {
      JsonObject error = upstream.toJsonObject().getJsonObject("error");
      if (error == null || error.getValue("message") == null) {
        return upstream;
      }
      return error(error.getString(typeField, "api_error"), error.getString("message")).toBuffer();
    } catch (RuntimeException e) {
      return upstream;
    }
  }

  /** The most a single provider count may be and still be added up safely; a larger one is not a count here. */
  private static final java.math.BigInteger MAX_COUNT = java.math.BigInteger.valueOf(Long.MAX_VALUE / 8);

  /**
   * {@code value} as a token count: a whole number from 0 up, exactly as written; null for anything else (a negative,
   * fractional, huge or non-numeric value), which must never be added into a total that looks believable.
   */
  public static Long count(Object value) {
    if (!(value instanceof Number number)) {
      return null;
    }
    java.math.BigDecimal exact;
    try {
      exact = new java.math.BigDecimal(number.toString());
    } catch (NumberFormatException e) {
      return null;
    }
    if (exact.signum() < 0 || exact.stripTrailingZeros().scale() > 0 || exact.toBigInteger().compareTo(MAX_COUNT) > 0) {
      return null;
    }
    return exact.longValueExact();
  }

  /**
   * A usage that the gateway's usage check rejects, naming the provider's field and value that could not be counted:
   * the gateway then charges its own count.
   */
  public static JsonObject uncountable(String field, Object value) {
    return new JsonObject().put("prompt_tokens", field + " = " + value).put("completion_tokens", field + " = " + value);
  }
}
