package io.tollgate.auth;

import io.tollgate.store.StoreAccess;
import io.vertx.core.Future;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A key's display prefix ({@code tg-} and eight characters) by key id, for lines that name a key without its
 * secret. Keys that authenticate are remembered as they do, so a request's own key is known at once; any other is
 * read from the store. A key's prefix never changes, so a found one is kept; the cache is bounded and cleared when
 * full.
 */
public final class KeyPrefixes {
  private static final int MAX_CACHED = 100_000;

  private final StoreAccess store;
  private final ConcurrentHashMap<String, String> cache = new ConcurrentHashMap<>();

  public KeyPrefixes(StoreAccess store) {
    this.store = store;
  }

  void remember(ApiKey key) {
    if (!key.prefix().equals(cache.get(key.id()))) {
      put(key.id(), key.prefix());
    }
  }

  private void put(String keyId, String prefix) {
    if (cache.size() >= MAX_CACHED) {
      cache.clear();
    }
    cache.put(keyId, prefix);
  }

  /** The prefix of key {@code keyId}; {@code "-"} for a null id or a key that does not exist. */
  public Future<String> of(String keyId) {
    if (keyId == null) {
      return Future.succeededFuture("-");
    }
    String cached = cache.get(keyId);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    return store.read(c -> KeySql.byId(c, keyId)).map(key -> {
      if (key.isEmpty()) {
        return "-";
      }
      put(keyId, key.get().prefix());
      return key.get().prefix();
    });
  }
}
