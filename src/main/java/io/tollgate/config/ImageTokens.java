package io.tollgate.config;

/**
 * How a catalog model bills an image part, by OpenAI's documented tile rule: {@code base} tokens per image, plus
 * {@code tile} tokens per 512-pixel tile unless the image is sent with {@code detail: low}.
 *
 * @param base tokens every image costs, whatever its size or detail
 * @param tile tokens each 512-pixel tile of a high-detail image adds
 */
public record ImageTokens(long base, long tile) {
  /** The gpt-4o family's rule, the default of a model that names none. */
  public static final ImageTokens GPT_4O = new ImageTokens(85, 170);

  public ImageTokens {
    if (base < 0) {
      throw new IllegalArgumentException("base: " + base + " (expected: >= 0)");
    }
    if (tile < 0) {
      throw new IllegalArgumentException("tile: " + tile + " (expected: >= 0)");
    }
  }
}
