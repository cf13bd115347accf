package io.tollgate.mock;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Answers {@code POST /v1/embeddings} with unit vectors derived from a hash of each input, so the
 * same input always embeds to the same vector and different inputs almost surely do not.
 */
final class Embeddings {

  static final int DEFAULT_DIMENSIONS = 8;
  private static final int MAX_DIMENSIONS = 8192;

  private Embeddings() {
  }

  /** One input as text (or a token list) and the tokens it counts for. */
  private record Input(String text, int tokens) {
  }

  static JsonObject reply(JsonObject body, MockSettings settings, Counting counting) {
    String model = Fields.model(body);
    List<Input> inputs = inputs(body.getValue("input"), counting);
    int dimensions = Fields.positive(body, "dimensions").orElse(DEFAULT_DIMENSIONS);
    if (dimensions > MAX_DIMENSIONS) {
      throw MockFailure.invalidRequest("dimensions: " + dimensions + " (expected: <= "
          + MAX_DIMENSIONS + ")", "dimensions");
    }
    boolean base64 = base64(body.getValue("encoding_format"));
    JsonArray data = new JsonArray();
    int tokens = 0;
    for (int i = 0; i < inputs.size(); i++) {
      float[] vector = vector(inputs.get(i).text(), dimensions);
      data.add(new JsonObject()
          .put("object", "embedding")
          .put("index", i)
          .put("embedding", base64 ? encode(vector) : floats(vector)));
      tokens += inputs.get(i).tokens();
    }
    JsonObject reply = new JsonObject().put("object", "list").put("data", data).put("model", model);
    return settings.noUsage() || !settings.usage().reported() ? reply : reply.put("usage", settings.usage().renderEmbeddings(tokens));
  }

  private static List<Input> inputs(Object input, Counting counting) {
    if (input instanceof String text) {
      return List.of(new Input(text, counting.count(text)));
    }
    if (input instanceof JsonArray array && !array.isEmpty()) {
      if (array.stream().allMatch(Integer.class::isInstance)) {
        return List.of(tokenInput(array));
      }
      List<Input> inputs = new ArrayList<>(array.size());
      for (Object item : array) {
        if (item instanceof String text) {
          inputs.add(new Input(text, counting.count(text)));
        } else if (item instanceof JsonArray tokenIds && !tokenIds.isEmpty()
            && tokenIds.stream().allMatch(Integer.class::isInstance)) {
          inputs.add(tokenInput(tokenIds));
        } else {
          throw invalidInput();
        }
      }
      return inputs;
    }
    throw invalidInput();
  }

  private static Input tokenInput(JsonArray tokenIds) {
    // The prefix keeps the token list [1, 2] from embedding like the text "1 2".
    return new Input("tokens:" + tokenIds.encode(), tokenIds.size());
  }

  private static MockFailure invalidInput() {
    return MockFailure.invalidRequest("input: expected a string, an array of strings, an array of"
        + " token ids or an array of token id arrays", "input");
  }

  private static boolean base64(Object format) {
    if (format == null || "float".equals(format)) {
      return false;
    }
    if ("base64".equals(format)) {
      return true;
    }
    throw MockFailure.invalidRequest("encoding_format: " + format + " (expected: float or base64)",
        "encoding_format");
  }

  private static float[] vector(String text, int dimensions) {
    SplittableRandom random = new SplittableRandom(fnv1a(text.getBytes(StandardCharsets.UTF_8)));
    double[] values = new double[dimensions];
    double squares = 0;
    for (int i = 0; i < dimensions; i++) {
      values[i] = random.nextDouble(-1, 1);
      squares += values[i] * values[i];
    }
    double norm = Math.sqrt(squares);
    float[] vector = new float[dimensions];
    for (int i = 0; i < dimensions; i++) {
      vector[i] = (float) (values[i] / norm);
    }
    return vector;
  }

  /** A fixed, documented hash, unlike String.hashCode's 32 bits, so vectors rarely collide. */
  private static long fnv1a(byte[] bytes) {
    long hash = 0xcbf29ce484222325L;
    for (byte b : bytes) {
      hash ^= b & 0xff;
      hash *= 0x100000001b3L;
    }
    return hash;
  }

  private static JsonArray floats(float[] vector) {
    JsonArray array = new JsonArray();
    for (float value : vector) {
      array.add(value);
    }
    return array;
  }

  /** OpenAI's base64 format: the little-endian float32 values, base64-encoded. */
  private static String encode(float[] vector) {
    ByteBuffer bytes =
        ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (float value : vector) {
      bytes.putFloat(value);
    }
    return Base64.getEncoder().encodeToString(bytes.array());
  }
}
