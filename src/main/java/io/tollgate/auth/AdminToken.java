package io.tollgate.auth;

import io.tollgate.store.Store;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
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
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value")) {
        s.setString(1, SETTING);
        s.setString(2, hash);
        s.executeUpdate();
      }
      return null;
    });
    return token;
  }

  public static boolean exists(Store store) {
    return storedHash(store).isPresent();
  }

  /** The stored hash, read once at start-up and after a rotation. */
  public static Optional<byte[]> storedHash(Store store) {
    return store.read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT value FROM settings WHERE name = ?")) {
        s.setString(1, SETTING);
        try (ResultSet rs = s.executeQuery()) {
          return rs.next() ? Optional.of(Base64.getDecoder().decode(rs.getString(1))) : Optional.empty();
        }
      }
    });
  }
}
