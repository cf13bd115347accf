package io.tollgate.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * Generates and hashes secrets. Keys carry 238 bits of randomness, so a plain SHA-256 is a sound at-rest hash:
 * there is nothing to brute-force that a slow hash would protect.
 */
public final class Secrets {
  /** {@code tg-} plus eight characters: the part of a key that may be shown and is used to look it up. */
  public static final int PREFIX_LENGTH = 11;
  private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {}

  public static String newKey(String marker) {
    StringBuilder out = new StringBuilder(marker);
    for (int i = 0; i < 40; i++) {
      out.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
    }
    return out.toString();
  }

  public static byte[] sha256(String secret) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** Compares the hash of {@code presented} with {@code expectedHash} in time independent of where they differ. */
  public static boolean matches(String presented, byte[] expectedHash) {
    return MessageDigest.isEqual(sha256(presented), expectedHash);
  }

  public static String prefixOf(String key) {
    return key.length() < PREFIX_LENGTH ? key : key.substring(0, PREFIX_LENGTH);
  }
}
