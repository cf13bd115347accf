package io.tollgate.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Hostile inputs drawn from one seeded {@link Random}, so a failing case comes back on every run: JSON bodies
 * mutated from a valid template (wrong types, missing and unknown fields, deep nesting, numbers no type holds,
 * invalid UTF-8, truncation), odd path and query values, and byte-level damage to a valid HTTP/1.1 request.
 */
final class FuzzInputs {
  /** A JSON literal written as is: numbers no Java type holds, nesting no parser accepts. */
  record Raw(String text) {}

  private static final List<Object> ODD_VALUES = List.of(
      "", "x".repeat(10_000), "\u0000", "null", "-1", "chat-a\u0000", "💥 e\u0301", "../../etc/passwd", "%00",
      0, -1, 1.5, Long.MAX_VALUE, Long.MIN_VALUE, (long) Integer.MAX_VALUE + 1, true, false,
      new Raw("null"), new Raw("123456789012345678901234567890"), new Raw("1e400"), new Raw("-1e400"), new Raw("1E-400"),
      new Raw("-0"), new Raw("0.1e1"), new Raw("[]"), new Raw("{}"), new Raw("[1,\"a\",null,{}]"),
      new Raw("[".repeat(200) + "]".repeat(200)), new Raw("[".repeat(5_000) + "]".repeat(5_000)),
      new Raw("{\"a\":".repeat(2_000) + "1" + "}".repeat(2_000)), new Raw("{\"role\":\"user\"}"));

  private static final List<String> ODD_SEGMENTS = List.of(
      "x", "", "%zz", "%00", "%C3%28", "%FF%FE", "..", "%2e%2e%2f", "a".repeat(3_000), "-1", "0", "99999999999999999999",
      "1e400", "null", "%E2%82%AC", "chat-a%00", "RMB", "csv", "2024-13-45", "'%20OR%201=1");

  private final Random random;

  FuzzInputs(long seed) {
    this.random = new Random(seed);
  }

  int nextInt(int bound) {
    return random.nextInt(bound);
  }

  <T> T pick(List<T> choices) {
    return choices.get(random.nextInt(choices.size()));
  }

  /** {@code template} with one to three mutations, as bytes; sometimes damaged below the JSON level. */
  byte[] body(Map<String, Object> template) {
    Object body = copy(template);
    int mutations = 1 + random.nextInt(3);
    for (int i = 0; i < mutations; i++) {
      body = mutate(body);
    }
    byte[] bytes = write(body).getBytes(StandardCharsets.UTF_8);
    return switch (random.nextInt(12)) {
      case 0 -> insert(bytes, new byte[] {(byte) 0xC3, 0x28});
      case 1 -> insert(bytes, new byte[] {(byte) 0xFF, (byte) 0xFE});
      case 2 -> java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
      default -> bytes;
    };
  }

  /** A path or query value from the odd list, already as it goes on the request line. */
  String segment() {
    return pick(ODD_SEGMENTS);
  }

  /** {@code request} with one or two kinds of damage a broken client or an attacker would do. */
  byte[] damage(byte[] request) {
    byte[] out = request;
    int damages = 1 + random.nextInt(2);
    for (int i = 0; i < damages; i++) {
      int at = random.nextInt(out.length);
      out = switch (random.nextInt(7)) {
        case 0 -> set(out, at, pick(List.of((byte) 0, (byte) '\r', (byte) '\n', (byte) ' ', (byte) ':', (byte) 0x7f, (byte) 0xff)));
        case 1 -> remove(out, at);
        case 2 -> insert(out, at, new byte[] {(byte) random.nextInt(256)});
        case 3 -> insert(out, lineStart(out, at), "X-Fuzz: \u0001\r\n".getBytes(StandardCharsets.ISO_8859_1));
        case 4 -> replace(out, "HTTP/1.1", "HTTP/" + random.nextInt(10) + "." + random.nextInt(10));
        case 5 -> replace(out, "POST", pick(List.of("PO ST", "GET", "P\0ST", "BREW", "post")));
        default -> java.util.Arrays.copyOf(out, Math.max(1, at));
      };
    }
    return out;
  }

  private Object mutate(Object body) {
    List<List<Object>> paths = new ArrayList<>();
    collect(body, new ArrayList<>(), paths);
    int kind = random.nextInt(8);
    if (kind == 0 || paths.isEmpty()) {
      return pick(ODD_VALUES);
    }
    List<Object> path = pick(paths);
    Object parent = at(body, path.subList(0, path.size() - 1));
    Object last = path.get(path.size() - 1);
    if (kind == 1 && parent instanceof Map<?, ?> map) {
      map.remove(last);
    } else if (kind == 2 && parent instanceof Map<?, ?>) {
      put(parent, "fuzz_" + random.nextInt(100), pick(ODD_VALUES));
    } else {
      put(parent, last, pick(ODD_VALUES));
    }
    return body;
  }

  @SuppressWarnings("unchecked")
  private static void put(Object parent, Object key, Object value) {
    if (parent instanceof Map<?, ?> map) {
      ((Map<Object, Object>) map).put(key, value);
    } else if (parent instanceof List<?> list) {
      ((List<Object>) list).set((Integer) key, value);
    }
  }

  private static void collect(Object node, List<Object> prefix, List<List<Object>> out) {
    if (node instanceof Map<?, ?> map) {
      for (Object key : map.keySet()) {
        List<Object> path = new ArrayList<>(prefix);
        path.add(key);
        out.add(path);
        collect(map.get(key), path, out);
      }
    } else if (node instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        List<Object> path = new ArrayList<>(prefix);
        path.add(i);
        out.add(path);
        collect(list.get(i), path, out);
      }
    }
  }

  private static Object at(Object node, List<Object> path) {
    Object current = node;
    for (Object step : path) {
      current = current instanceof Map<?, ?> map ? map.get(step) : ((List<?>) current).get((Integer) step);
    }
    return current;
  }

  private static Object copy(Object node) {
    if (node instanceof Map<?, ?> map) {
      Map<Object, Object> out = new LinkedHashMap<>();
      map.forEach((k, v) -> out.put(k, copy(v)));
      return out;
    }
    if (node instanceof List<?> list) {
      List<Object> out = new ArrayList<>();
      list.forEach(v -> out.add(copy(v)));
      return out;
    }
    return node;
  }

  static String write(Object node) {
    if (node == null) {
      return "null";
    }
    if (node instanceof Raw raw) {
      return raw.text();
    }
    if (node instanceof String text) {
      return io.vertx.core.json.Json.encode(text);
    }
    if (node instanceof Map<?, ?> map) {
      List<String> fields = new ArrayList<>();
      map.forEach((k, v) -> fields.add(io.vertx.core.json.Json.encode(String.valueOf(k)) + ":" + write(v)));
      return "{" + String.join(",", fields) + "}";
    }
    if (node instanceof List<?> list) {
      return "[" + String.join(",", list.stream().map(FuzzInputs::write).toList()) + "]";
    }
    return String.valueOf(node);
  }

  private byte[] insert(byte[] bytes, byte[] piece) {
    int quote = indexOf(bytes, (byte) '"', random.nextInt(bytes.length + 1));
    return insert(bytes, quote < 0 ? bytes.length : quote + 1, piece);
  }

  private static byte[] insert(byte[] bytes, int at, byte[] piece) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(bytes, 0, at);
    out.writeBytes(piece);
    out.write(bytes, at, bytes.length - at);
    return out.toByteArray();
  }

  private static byte[] set(byte[] bytes, int at, byte value) {
    byte[] out = bytes.clone();
    out[at] = value;
    return out;
  }

  private static byte[] remove(byte[] bytes, int at) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(bytes, 0, at);
    out.write(bytes, at + 1, bytes.length - at - 1);
    return out.toByteArray();
  }

  private static byte[] replace(byte[] bytes, String from, String to) {
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    return text.replaceFirst(java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to))
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  private static int lineStart(byte[] bytes, int at) {
    int end = indexOf(bytes, (byte) '\n', at);
    return end < 0 ? bytes.length : end + 1;
  }

  private static int indexOf(byte[] bytes, byte value, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == value) {
        return i;
      }
    }
    return -1;
  }
}
