package io.tollgate.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads of a JSON request body. Vert.x's own getters throw {@link ClassCastException} on a value of another
 * type, or quietly turn it into text; these refuse it with a 400 {@code invalid_request_error} whose {@code param}
 * names the field (a dotted path inside a nested object) and whose message says what came and what was expected.
 * A JSON {@code null} reads as an absent field: an optional one takes its default, a required one is missing.
 */
public final class JsonBody {
  private final JsonObject json;
  private final String path;

  private JsonBody(JsonObject json, String path) {
    this.json = json;
    this.path = path;
  }

  public static JsonBody of(JsonObject json) {
    return new JsonBody(json, "");
  }

  /** The request's body (an empty object when there is none), or a 400 when it is not a JSON object. */
  public static JsonBody read(RoutingContext ctx) {
    return of(Requests.jsonBody(ctx));
  }

  /** The name a client sees for {@code field}: its dotted path from the body's root. */
  public String param(String field) {
    return path + field;
  }

  /** Whether {@code field} is present and not null. */
  public boolean has(String field) {
    return json.getValue(field) != null;
  }

  /** A required, non-blank string. */
  public String text(String field) {
    return text(field, "a non-empty string");
  }

  /** A required, non-blank string; {@code expected} describes it in messages (e.g. "CREDIT or RMB"). */
  public String text(String field, String expected) {
    String value = optionalText(field, expected);
    if (value == null || value.isBlank()) {
      throw missing(field, expected);
    }
    return value;
  }

  /** A string, or null when absent. */
  public String optionalText(String field) {
    return optionalText(field, "a string");
  }

  public String optionalText(String field, String expected) {
    Object value = json.getValue(field);
    if (value == null || value instanceof String) {
      return (String) value;
    }
    throw wrongType(field, value, expected);
  }

  /** A required integer that fits in 64 bits: written without a fraction or an exponent. */
  public long integer(String field, String expected) {
    Long value = optionalInteger(field, expected);
    if (value == null) {
      throw missing(field, expected);
    }
    return value;
  }

  /** An integer that fits in 64 bits, or null when absent. */
  public Long optionalInteger(String field, String expected) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (value instanceof Integer || value instanceof Long) {
      return ((Number) value).longValue();
    }
    throw wrongType(field, value, expected);
  }

  /** {@code true} or {@code false}, or null when absent. */
  public Boolean optionalBoolean(String field) {
    Object value = json.getValue(field);
    if (value == null || value instanceof Boolean) {
      return (Boolean) value;
    }
    throw wrongType(field, value, "true or false");
  }

  /** A nested object, read with this class (its fields named {@code field.name}), or null when absent. */
  public JsonBody optionalObject(String field, String expected) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (value instanceof JsonObject object) {
      return new JsonBody(object, param(field) + ".");
    }
    throw wrongType(field, value, expected);
  }

  /** An array of strings, or null when absent. */
  public List<String> optionalTexts(String field, String expected) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonArray array)) {
      throw wrongType(field, value, expected);
    }
    List<String> out = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof String element)) {
        throw ApiException.invalid(param(field), "invalid_type", "'" + param(field) + "': element " + i + " is "
            + describe(array.getValue(i)) + " (expected: " + expected + ")");
      }
      out.add(element);
    }
    return out;
  }

  private ApiException missing(String field, String expected) {
    return ApiException.invalid(param(field), "missing_required_parameter",
        "'" + param(field) + "' is required (expected: " + expected + ")");
  }

  private ApiException wrongType(String field, Object value, String expected) {
    return ApiException.invalid(param(field), "invalid_type",
        "'" + param(field) + "' is " + describe(value) + " (expected: " + expected + ")");
  }

  /** What a JSON value is, for a message: short values are shown, long or nested ones only named. */
  static String describe(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String s) {
      return s.length() <= 32 ? "the string \"" + s + "\"" : "a string of " + s.length() + " characters";
    }
    if (value instanceof JsonObject) {
      return "an object";
    }
    if (value instanceof JsonArray) {
      return "an array";
    }
    if (value instanceof Boolean b) {
      return b.toString();
    }
    if (value instanceof Double d && (d.isInfinite() || d.isNaN())) {
      return "a number beyond the range of a double";
    }
    if (value instanceof BigInteger big) {
      return "an integer of " + big.abs().toString().length() + " digits, beyond 64 bits";
    }
    if (value instanceof Integer || value instanceof Long) {
      return "the integer " + value;
    }
    if (value instanceof Number number) {
      String text = number.toString();
      return text.length() <= 32 ? "the number " + text : "a number of " + text.length() + " characters";
    }
    return "a value of an unknown kind";
  }
}
