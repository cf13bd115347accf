package io.tollgate.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A position in the parsed YAML tree that knows its own line, so every validation error can say where
 * the problem is and how to fix it.
 */
final class Node {
  private final JsonNode json;
  private final String pointer;
  private final String file;
  private final YamlLines lines;

  Node(JsonNode json, String pointer, String file, YamlLines lines) {
    this.json = json;
    this.pointer = pointer;
    this.file = file;
    this.lines = lines;
  }

  JsonNode json() {
    return json;
  }

  boolean isMissing() {
    return json == null || json.isMissingNode() || json.isNull();
  }

  boolean has(String field) {
    return !child(field).isMissing();
  }

  Node child(String field) {
    JsonNode value = json == null ? MissingNode.getInstance() : json.path(field);
    return new Node(value, pointer + "/" + field, file, lines);
  }

  ConfigException error(String problem, String fix) {
    int line = lines.lineOf(pointer);
    // no line 0: a problem of the whole file (an empty one) is named by the file alone
    StringBuilder message = new StringBuilder().append(file).append(line > 0 ? ":" + line : "").append(": ");
    String path = displayPath();
    if (!path.isEmpty()) {
      message.append(path).append(": ");
    }
    message.append(problem);
    if (fix != null) {
      message.append("\n  fix: ").append(fix);
    }
    return new ConfigException(message.toString());
  }

  /** "routes[0].legs[1].channel" for "/routes/0/legs/1/channel". */
  String displayPath() {
    StringBuilder out = new StringBuilder();
    for (String part : pointer.split("/")) {
      if (part.isEmpty()) {
        continue;
      }
      if (part.chars().allMatch(Character::isDigit)) {
        out.append('[').append(part).append(']');
      } else {
        if (out.length() > 0) {
          out.append('.');
        }
        out.append(part);
      }
    }
    return out.toString();
  }

  void requireObject() {
    if (isMissing() || !json.isObject()) {
      throw error("expected a mapping of keys to values", null);
    }
  }

  /** Rejects keys outside {@code allowed}, naming the closest allowed one: a typo must not be silently ignored. */
  void onlyKeys(Set<String> allowed) {
    requireObject();
    Iterator<String> names = json.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!allowed.contains(name)) {
        String closest = Closest.of(name, allowed);
        throw child(name).error("unknown key '" + name + "'",
            closest == null ? "remove it" : "did you mean '" + closest + "'? Allowed here: " + String.join(", ", new java.util.TreeSet<>(allowed)));
      }
    }
  }

  String text(String field) {
    Node value = child(field);
    if (value.isMissing()) {
      throw error("missing required key '" + field + "'", "add '" + field + ":' here");
    }
    if (!value.json.isValueNode() || value.json.asText().isBlank()) {
      throw value.error("expected a non-empty text value", null);
    }
    return value.json.asText();
  }

  String text(String field, String fallback) {
    return has(field) ? text(field) : fallback;
  }

  long integer(String field, long min, long max, long fallback) {
    Node value = child(field);
    if (value.isMissing()) {
      return fallback;
    }
    if (!value.json.isIntegralNumber()) {
      throw value.error("'" + value.json.asText() + "' is not a whole number", "write a number between " + min + " and " + max);
    }
    long v = value.json.asLong();
    if (v < min || v > max) {
      throw value.error(v + " is out of range (expected: " + min + " to " + max + ")", null);
    }
    return v;
  }

  boolean bool(String field, boolean fallback) {
    Node value = child(field);
    if (value.isMissing()) {
      return fallback;
    }
    if (!value.json.isBoolean()) {
      throw value.error("expected true or false", null);
    }
    return value.json.asBoolean();
  }

  /** An exact decimal; YAML floats are read as BigDecimal so no binary fraction ever enters a price. */
  BigDecimal decimal() {
    if (isMissing() || !json.isNumber()) {
      throw error("expected a number", null);
    }
    return json.decimalValue();
  }

  List<Node> list(String field) {
    Node value = child(field);
    if (value.isMissing()) {
      return List.of();
    }
    if (!value.json.isArray()) {
      throw value.error("expected a list", "write each item on its own line starting with '- '");
    }
    List<Node> items = new ArrayList<>();
    for (int i = 0; i < value.json.size(); i++) {
      items.add(new Node(value.json.get(i), value.pointer + "/" + i, file, lines));
    }
    return items;
  }

  Map<String, Node> entries() {
    Map<String, Node> out = new LinkedHashMap<>();
    if (isMissing()) {
      return out;
    }
    requireObject();
    json.fieldNames().forEachRemaining(name -> out.put(name, child(name)));
    return out;
  }
}
