package io.tollgate.proxy;

import io.tollgate.config.ImageTokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * Counts the media parts of a chat prompt by rules that never undercount, without tokenizing them as text and
 * without decoding inline data (docs/billing.md states the rules).
 *
 * <p>An image ({@code image_url}) follows OpenAI's documented tile rule with the model's {@link ImageTokens}:
 * {@code detail: low} costs the base only; otherwise the image is scaled down to fit 2048 x 2048, then down so its
 * shorter side is at most 768, and costs the base plus a tile price per 512-pixel tile. The size is read from the
 * header of a {@code data:} URL; a remote URL, or a header that cannot be read, is held at {@link #MAX_TILES}.
 *
 * <p>Any other part (audio, a file, a type the gateway does not know) costs the largest of {@link #FLOOR_TOKENS},
 * the most an image of the model can cost, and one token per three bytes of its inline data.
 */
final class MediaTokens {
  /**
   * The most tiles the rule can produce: after scaling, the longer side is at most 2048 (4 tiles) and the
   * shorter at most 768 (2 tiles), as for a 2048 x 768 image.
   */
  static final int MAX_TILES = 8;
  /** The least a part other than an image is held at: the flat allowance every media part had before these rules. */
  static final long FLOOR_TOKENS = 1_500;
  private static final long FIT_PX = 2048;
  private static final long SHORT_SIDE_PX = 768;
  private static final long TILE_PX = 512;
  /** Inline data nested deeper than this in an unknown part is not looked for. */
  private static final int MAX_DEPTH = 16;

  private MediaTokens() {}

  /** The tokens of one content part that is not text. */
  static long part(JsonObject part, ImageTokens rule) {
    Object type = part.getValue("type");
    if ("image_url".equals(type)) {
      return image(part.getValue("image_url"), rule);
    }
    long bytes;
    if ("input_audio".equals(type)) {
      bytes = inlineBytes(member(part, "input_audio", "data"), 0);
    } else if ("file".equals(type)) {
      bytes = inlineBytes(member(part, "file", "file_data"), 0);
    } else {
      bytes = inlineBytes(part, 0);
    }
    return Math.max(Math.max(FLOOR_TOKENS, largestImage(rule)), (bytes + 2) / 3);
  }

  /** The tokens of an {@code image_url} part's value: an object with {@code url} and {@code detail}, or a bare URL. */
  static long image(Object imageUrl, ImageTokens rule) {
    JsonObject fields = imageUrl instanceof JsonObject o ? o : null;
    if (fields != null && "low".equals(fields.getValue("detail"))) {
      return rule.base();
    }
    Object url = fields != null ? fields.getValue("url") : imageUrl;
    long[] size = url instanceof String s ? DataUrl.imageSize(s) : null;
    return rule.base() + rule.tile() * (size == null ? MAX_TILES : tiles(size[0], size[1]));
  }

  /**
   * The 512-pixel tiles of a {@code width} x {@code height} image in high detail: scaled down (never up) to fit
   * 2048 x 2048, then down so its shorter side is at most 768. Scaled sides are rounded up, so the count is never
   * below the provider's.
   */
  static long tiles(long width, long height) {
    long longer = Math.max(width, height);
    long shorter = Math.min(width, height);
    long fitShorter = longer > FIT_PX ? ceilDiv(shorter * FIT_PX, longer) : shorter;
    long fitLonger = Math.min(longer, FIT_PX);
    if (fitShorter > SHORT_SIDE_PX) {
      // scaling both steps at once keeps the exact ratio: the longer side becomes longer x 768 / shorter
      fitLonger = ceilDiv(longer * SHORT_SIDE_PX, shorter);
      fitShorter = SHORT_SIDE_PX;
    }
    return ceilDiv(fitLonger, TILE_PX) * ceilDiv(fitShorter, TILE_PX);
  }

  /** The most one image can cost under {@code rule}: an image of unknown size. */
  static long largestImage(ImageTokens rule) {
    return rule.base() + rule.tile() * MAX_TILES;
  }

  private static Object member(JsonObject part, String object, String field) {
    return part.getValue(object) instanceof JsonObject o ? o.getValue(field) : null;
  }

  /** The bytes of the inline data in {@code value}: every string in it read as a data URL or base64. */
  private static long inlineBytes(Object value, int depth) {
    if (value instanceof String s) {
      return DataUrl.bytes(s);
    }
    long bytes = 0;
    if (depth < MAX_DEPTH && value instanceof JsonObject object) {
      for (Map.Entry<String, Object> entry : object) {
        bytes += inlineBytes(entry.getValue(), depth + 1);
      }
    } else if (depth < MAX_DEPTH && value instanceof JsonArray array) {
      for (Object item : array) {
        bytes += inlineBytes(item, depth + 1);
      }
    }
    return bytes;
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
