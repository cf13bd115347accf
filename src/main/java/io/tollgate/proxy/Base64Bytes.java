package io.tollgate.proxy;

/**
 * The bytes of base64 text, read at any offset without decoding what comes before: a read decodes only the two
 * characters that carry its byte. The text is checked only as far as it has been read, so a line break or a stray
 * character before a read makes that read fail instead of returning a byte from the wrong place.
 */
final class Base64Bytes {
  private final CharSequence text;
  private final int start;
  /** Every character in [start, checkedEnd) is in the base64 alphabet. */
  private int checkedEnd;

  /** The base64 text of {@code text} from index {@code start} on. */
  Base64Bytes(CharSequence text, int start) {
    this.text = text;
    this.start = start;
    this.checkedEnd = start;
  }

  /** The byte at {@code offset} (0 to 255), or -1 when the data ends before it or is not base64 up to it. */
  int at(long offset) {
    if (offset < 0 || offset > Integer.MAX_VALUE) {
      return -1;
    }
    int within = (int) (offset % 3);
    long first = start + offset / 3 * 4 + within;
    if (first + 1 >= text.length() || !checkedUpTo((int) first + 2)) {
      return -1;
    }
    int a = value(text.charAt((int) first));
    int b = value(text.charAt((int) first + 1));
    return switch (within) {
      case 0 -> (a << 2 | b >> 4) & 0xFF;
      case 1 -> (a << 4 | b >> 2) & 0xFF;
      default -> (a << 6 | b) & 0xFF;
    };
  }

  /**
   * How many bytes base64 text of this length decodes to, without decoding it: three per four characters, less
   * the padding. Characters outside the alphabet are counted as data, which can only overstate the size.
   */
  static long decodedLength(CharSequence text, int start) {
    int end = text.length();
    for (int pad = 0; pad < 2 && end > start && text.charAt(end - 1) == '='; pad++) {
      end--;
    }
    return Math.max(0, end - start) * 3L / 4;
  }

  private boolean checkedUpTo(int end) {
    while (checkedEnd < end) {
      if (value(text.charAt(checkedEnd)) < 0) {
        return false;
      }
      checkedEnd++;
    }
    return true;
  }

  /** The 6-bit value of a base64 character (standard or URL-safe alphabet), or -1 for any other character. */
  private static int value(char c) {
    if (c >= 'A' && c <= 'Z') {
      return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
      return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
      return c - '0' + 52;
    }
    return c == '+' || c == '-' ? 62 : c == '/' || c == '_' ? 63 : -1;
  }
}
