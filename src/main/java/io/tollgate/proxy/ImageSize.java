package io.tollgate.proxy;

import java.util.function.LongToIntFunction;

/**
 * Reads an image's width and height from the header of a PNG, JPEG, GIF or WebP encoding, without decoding the
 * image: a few dozen bytes, or for a JPEG the marker of each segment up to its frame header.
 */
final class ImageSize {
  /** A JPEG whose frame header is not among its first segments is treated as unreadable. */
  private static final int MAX_JPEG_SEGMENTS = 64;
  private static final int MAX_JPEG_FILL_BYTES = 16;
  private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};

  /** The byte at an offset (0 to 255), or a negative number past the end or where it cannot be read. */
  private final LongToIntFunction bytes;

  private ImageSize(LongToIntFunction bytes) {
    this.bytes = bytes;
  }

  /** The {width, height} of the image whose bytes {@code bytes} reads, or null when the header cannot be read. */
  static long[] of(LongToIntFunction bytes) {
    ImageSize image = new ImageSize(bytes);
    long[] size;
    if (image.matches(0, PNG)) {
      size = image.text(12, "IHDR") ? new long[] {image.bigEndian(16, 4), image.bigEndian(20, 4)} : null;
    } else if (image.text(0, "GIF8") && (image.text(4, "7a") || image.text(4, "9a"))) {
      size = new long[] {image.littleEndian(6, 2), image.littleEndian(8, 2)};
    } else if (image.text(0, "RIFF") && image.text(8, "WEBP")) {
      size = image.webp();
    } else if (image.u8(0) == 0xFF && image.u8(1) == 0xD8) {
      size = image.jpeg();
    } else {
      size = null;
    }
    return size != null && size[0] > 0 && size[1] > 0 ? size : null;
  }

  private long[] webp() {
    if (text(12, "VP8X")) {
      long w = littleEndian(24, 3);
      long h = littleEndian(27, 3);
      return w < 0 || h < 0 ? null : new long[] {w + 1, h + 1};
    }
    if (text(12, "VP8L") && u8(20) == 0x2F) {
      long bits = littleEndian(21, 4);
      return bits < 0 ? null : new long[] {(bits & 0x3FFF) + 1, (bits >> 14 & 0x3FFF) + 1};
    }
    if (text(12, "VP8 ") && u8(23) == 0x9D && u8(24) == 0x01 && u8(25) == 0x2A) {
      long w = littleEndian(26, 2);
      long h = littleEndian(28, 2);
      return w < 0 || h < 0 ? null : new long[] {w & 0x3FFF, h & 0x3FFF};
    }
    return null;
  }

  /** Walks the segments after the start-of-image marker to the first frame header (SOF0 to SOF15). */
  private long[] jpeg() {
    long pos = 2;
    for (int segment = 0; segment < MAX_JPEG_SEGMENTS; segment++) {
      if (u8(pos) != 0xFF) {
        return null;
      }
      int marker = u8(pos + 1);
      for (int fill = 0; marker == 0xFF && fill < MAX_JPEG_FILL_BYTES; fill++) {
        pos++;
        marker = u8(pos + 1);
      }
      if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
        // FF, marker, length (2), precision (1), height (2), width (2)
        return new long[] {bigEndian(pos + 7, 2), bigEndian(pos + 5, 2)};
      }
      if (marker < 0 || marker == 0xFF || marker == 0xD9 || marker == 0xDA) {
        return null;
      }
      if (marker >= 0xD0 && marker <= 0xD8 || marker == 0x01) {
        pos += 2;
        continue;
      }
      long length = bigEndian(pos + 2, 2);
      if (length < 2) {
        return null;
      }
      pos += 2 + length;
    }
    return null;
  }

  private int u8(long offset) {
    int b = bytes.applyAsInt(offset);
    return b < 0 ? -1 : b & 0xFF;
  }

  /** An unsigned big-endian number of {@code n} bytes, or -1 when a byte cannot be read. */
  private long bigEndian(long offset, int n) {
    long value = 0;
    for (int i = 0; i < n; i++) {
      int b = u8(offset + i);
      if (b < 0) {
        return -1;
      }
      value = value << 8 | b;
    }
    return value;
  }

  private long littleEndian(long offset, int n) {
    long value = 0;
    for (int i = n - 1; i >= 0; i--) {
      int b = u8(offset + i);
      if (b < 0) {
        return -1;
      }
      value = value << 8 | b;
    }
    return value;
  }

  private boolean text(long offset, String ascii) {
    for (int i = 0; i < ascii.length(); i++) {
      if (u8(offset + i) != ascii.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private boolean matches(long offset, byte[] expected) {
    for (int i = 0; i < expected.length; i++) {
      if (u8(offset + i) != (expected[i] & 0xFF)) {
        return false;
      }
    }
    return true;
  }
}
