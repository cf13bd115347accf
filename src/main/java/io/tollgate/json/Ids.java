package io.tollgate.json;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Identifiers such as {@code req_01HZX...}: a prefix, then 10 Crockford base32 characters of the creation
 * millisecond and 16 random ones, so ids sort by creation time and page cleanly. Ids are not secrets (keys and
 * codes come from {@code Secrets}), so a fast non-blocking random source is enough.
 */
public final class Ids {
  private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();

  private Ids() {}

  public static String next(String prefix, long epochMillis) {
    char[] out = new char[26];
    long time = epochMillis;
    for (int i = 9; i >= 0; i--) {
      out[i] = ALPHABET[(int) (time & 31)];
      time >>>= 5;
    }
    byte[] random = new byte[16];
    ThreadLocalRandom.current().nextBytes(random);
    for (int i = 0; i < 16; i++) {
      out[10 + i] = ALPHABET[random[i] & 31];
    }
    return prefix + "_" + new String(out);
  }
}
