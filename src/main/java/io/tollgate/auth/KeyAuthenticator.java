package io.tollgate.auth;

import io.tollgate.http.ApiException;
import io.tollgate.store.StoreAccess;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns an {@code Authorization} header into a live {@link ApiKey}. Keys are looked up by display prefix and
 * their hash compared in constant time. Found keys are cached: a revoke through this process invalidates the
 * entry at once, and no other process writes the store while this one runs (it holds the file's lock); entries
 * are still re-read after {@link #TTL_MS}, so a change made beside the admin API cannot outlive that. On a store
 * shared by several gateway processes (PostgreSQL) a revoke through another process is seen once the entry is
 * {@link #SHARED_TTL_MS} old: within a second everywhere.
 * Messages never echo the presented key.
 */
public final class KeyAuthenticator {
  static final long TTL_MS = 2_000;
  /** The entry's age after which a key is read again when other processes may revoke it (a shared store). */
  static final long SHARED_TTL_MS = 500;
  private static final int MAX_CACHED = 100_000;

  private record Cached(Optional<ApiKey> key, long loadedAtMs) {}

  private final StoreAccess store;
  private final Clock clock;
  private final KeyPrefixes prefixes;
  private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();

  public KeyAuthenticator(StoreAccess store, Clock clock) {
    this(store, clock, null);
  }

  /** @param prefixes told the display prefix of each key that authenticates, so lines about its request name it */
  public KeyAuthenticator(StoreAccess store, Clock clock, KeyPrefixes prefixes) {
    this.store = store;
    this.clock = clock;
    this.prefixes = prefixes;
    this.ttlMs = store.store().shared() ? SHARED_TTL_MS : TTL_MS;
  }

  private final long ttlMs;

  public Future<ApiKey> authenticate(String authorization) {
    if (authorization == null || authorization.isBlank()) {
      return Future.failedFuture(ApiException.unauthorized(
          "Missing API key. Send it as 'Authorization: Bearer tg-...'."));
    }
    String token = authorization.regionMatches(true, 0, "Bearer ", 0, 7)
        ? authorization.substring(7).trim() : authorization.trim();
    if (!token.startsWith(Keys.KEY_MARKER) || token.length() < Secrets.PREFIX_LENGTH) {
      return Future.failedFuture(unknown());
    }
    String prefix = Secrets.prefixOf(token);
    long now = clock.millis();
    Cached cached = cache.get(prefix);
    Future<Optional<ApiKey>> found;
    if (cached != null && now - cached.loadedAtMs() < ttlMs) {
      found = Future.succeededFuture(cached.key());
    } else {
      found = store.read(c -> KeySql.byPrefix(c, prefix)).onSuccess(key -> {
        // only keys that exist are cached, and the cache is bounded: random prefixes cannot grow it
        if (key.isPresent()) {
          if (cache.size() >= MAX_CACHED) {
            cache.clear();
          }
          cache.put(prefix, new Cached(key, now));
        }
      });
    }
    return found.compose(key -> {
      if (key.isEmpty() || !Secrets.matches(token, key.get().secretHash())) {
        return Future.failedFuture(unknown());
      }
      if (key.get().revoked()) {
        return Future.failedFuture(ApiException.unauthorized("This API key has been revoked."));
      }
      if (key.get().expired(clock.millis())) {
        return Future.failedFuture(new ApiException(401, "invalid_request_error", "key_expired", null, "This API key expired at "
            + java.time.Instant.ofEpochMilli(key.get().expiresAtMs()) + ". Ask for a new key."));
      }
      if (prefixes != null) {
        prefixes.remember(key.get());
      }
      return Future.succeededFuture(key.get());
    });
  }

  /** Drops the cached entry so the next request reads the key's current state. */
  public void invalidate(String prefix) {
    cache.remove(prefix);
  }

  private static ApiException unknown() {
    return ApiException.unauthorized("Incorrect API key provided. Check the key and send it as 'Authorization: Bearer tg-...'.");
  }
}
