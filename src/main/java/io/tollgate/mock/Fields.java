package io.tollgate.mock;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.OptionalInt;

/** Typed reads of request fields that fail with a 400 naming the field, like OpenAI does. */
final class Fields {

  private Fields() {
  }

  static String model(JsonObject body) {
    if (!(body.getValue("model") instanceof String model) || model.isBlank()) {
      throw MockFailure.invalidRequest("model: expected a non-empty string", "model");
    }
    return model;
  }

  static boolean flag(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value == null || value instanceof Boolean) {
      return Boolean.TRUE.equals(value);
    }
    throw MockFailure.invalidRequest(field + ": " + value + " (expected: a boolean)", field);
  }

  static JsonObject object(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value == null || value instanceof JsonObject) {
      return (JsonObject) value;
    }
    throw MockFailure.invalidRequest(field + ": expected an object", field);
  }

  static JsonArray array(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value == null || value instanceof JsonArray) {
      return (JsonArray) value;
    }
    throw MockFailure.invalidRequest(field + ": expected an array", field);
  }

  static OptionalInt positive(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value == null) {
      return OptionalInt.empty();
    }
    if (value instanceof Integer number && number > 0) {
      return OptionalInt.of(number);
    }
    throw MockFailure.invalidRequest(field + ": " + value + " (expected: an integer > 0)", field);
  }
}
