package io.tollgate.proxy;

/**
 * Reads what the gateway needs from inline media ({@code data:} URLs and bare base64) without decoding it: an
 * image's size from its first bytes, and how many bytes a payload holds.
 */
final class DataUrl {
  /** A data URL's media type and parameters are short; the comma is looked for no further than this. */
  private static final int MAX_HEADER_CHARS = 256;

  private DataUrl() {}

  /** The {width, height} of an image sent as a base64 {@code data:} URL, or null when it cannot be read. */
  static long[] imageSize(String url) {
    int comma = header(url);
    if (comma < 0 || !url.regionMatches(true, comma - 7, ";base64", 0, 7)) {
      return null;
    }
    return ImageSize.of(new Base64Bytes(url, comma + 1)::at);
  }

  /**
   * The bytes of inline data: the payload of a {@code data:} URL (base64 or not), or of bare base64 text. Never
   * less than the real size.
   */
  static long bytes(String data) {
    int comma = header(data);
    if (comma < 0) {
      return Base64Bytes.decodedLength(data, 0);
    }
    boolean base64 = data.regionMatches(true, comma - 7, ";base64", 0, 7);
    return base64 ? Base64Bytes.decodedLength(data, comma + 1) : data.length() - comma - 1L;
  }

  /** The index of the comma that ends a data URL's header, or -1 when {@code text} is not a data URL. */
  private static int header(String text) {
    if (!text.regionMatches(true, 0, "data:", 0, 5)) {
      return -1;
    }
    int end = Math.min(text.length(), MAX_HEADER_CHARS);
    for (int i = 5; i < end; i++) {
      if (text.charAt(i) == ',') {
        return i;
      }
    }
    return -1;
  }
}
