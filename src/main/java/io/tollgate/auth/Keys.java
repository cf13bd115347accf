package io.tollgate.auth;

import io.tollgate.json.Ids;
import io.tollgate.store.Store;
import io.tollgate.tenants.Project;
import io.tollgate.tenants.TenantSql;
import java.time.Clock;
import java.util.Optional;

/** Creates and revokes API keys; blocking, for the command line and for admin calls run on a worker. */
public final class Keys {
  public static final String KEY_MARKER = "tg-";

  private final Store store;
  private final Clock clock;

  public Keys(Store store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** Creates a key in {@code projectId}; the secret is returned here and never again. */
  public IssuedKey create(String projectId, String name, KeyScope scope) {
    return create(projectId, name, scope, null);
  }

  /** Creates a key that stops working at {@code expiresAtMs} (null: never). */
  public IssuedKey create(String projectId, String name, KeyScope scope, Long expiresAtMs) {
    if (expiresAtMs != null && expiresAtMs <= clock.millis()) {
      throw new IllegalArgumentException("expires_at " + java.time.Instant.ofEpochMilli(expiresAtMs)
          + " is not in the future (expected: a later time)");
    }
    Project project = store.read(c -> TenantSql.project(c, projectId))
        .orElseThrow(() -> new IllegalArgumentException("project '" + projectId + "' does not exist"));
    for (int attempt = 0; ; attempt++) {
      String secret = Secrets.newKey(KEY_MARKER);
      ApiKey key = new ApiKey(Ids.next("key", clock.millis()), project.id(), project.accountId(), name,
          Secrets.prefixOf(secret), Secrets.sha256(secret), scope, clock.millis(), null, expiresAtMs);
      try {
        store.writeNow(c -> {
          KeySql.insert(c, key);
          return null;
        });
        return new IssuedKey(key, secret);
      } catch (RuntimeException e) {
        // a prefix collision (about one in 2^47) is retried with a new secret; anything else is a real failure
        boolean collision = store.read(c -> KeySql.byPrefix(c, key.prefix())).isPresent();
        if (!collision || attempt >= 2) {
          throw e;
        }
      }
    }
  }

  public boolean revoke(String keyId) {
    return store.writeNow(c -> KeySql.revoke(c, keyId, clock.millis()));
  }

  public Optional<ApiKey> byId(String keyId) {
    return store.read(c -> KeySql.byId(c, keyId));
  }
}
