package io.tollgate.auth;

import io.tollgate.store.Settings;
import io.tollgate.store.Store;
import java.util.Base64;
import java.util.Optional;

/**
 * The operator's admin token, separate from API keys. Only its hash is stored (in {@code settings}); the token
 * is printed once when created.
 */
public final class AdminToken {
  public static final String MARKER = "tga-";
  private static final String SETTING = "admin_token_sha256";

  private AdminToken() {}

  /** Creates a new admin token, replacing any previous one, and returns it. */
  public static String rotate(Store store) {
    String token = Secrets.newKey(MARKER);
    String hash = Base64.getEncoder().encodeToString(Secrets.sha256(token));
    store.writeNow(c -> {
      Settings.put(c, SETTING, hash);
      return null;
    });
    return token;
  }

  public static boolean exists(Store store) {
    return storedHash(store).isPresent();
  }

  /** The stored hash, read once at start-up and after a rotation. */
  public static Optional<byte[]> storedHash(Store store) {
    return store.read(AdminToken::storedHash);
  }

  /** The stored hash as {@code c} reads it (on a shared store, re-read every second: another gateway may rotate it). */
  public static Optional<byte[]> storedHash(java.sql.Connection c) throws java.sql.SQLException {
    return Settings.get(c, SETTING).map(Base64.getDecoder()::decode);
  }
}
