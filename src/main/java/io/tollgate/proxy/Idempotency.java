package io.tollgate.proxy;

import io.tollgate.auth.Secrets;
import io.tollgate.http.ApiException;
import io.tollgate.json.Json;
import io.tollgate.store.StoreAccess;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code Idempotency-Key} on {@code /v1} requests. The first request with a key runs; concurrent and later
 * ones with the same key and body get its result replayed (for 24 hours), so a retried request is never run
 * or charged twice. The same key with another body is refused with 409.
 *
 * <p>Within the process, requests in flight are coordinated through one promise per key; results of requests
 * that reached an upstream are also stored, so a replay survives a restart.
 */
final class Idempotency {
  static final long RETENTION_MS = 24L * 60 * 60 * 1000;

  /** A finished response, as replayed. */
  record Stored(int status, Map<String, String> headers, Buffer body, String bodySha256) {}

  private record InFlight(String bodySha256, Promise<Stored> result) {}

  private final StoreAccess store;
  private final Clock clock;
  private final ConcurrentHashMap<String, InFlight> inFlight = new ConcurrentHashMap<>();

  Idempotency(StoreAccess store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  static String scope(String keyId, String idempotencyKey) {
    return keyId + ":" + idempotencyKey;
  }

  static String sha256(Buffer body) {
    return HexFormat.of().formatHex(Secrets.sha256(body == null ? "" : body.toString()));
  }

  /**
   * Claims {@code scope}. Empty means the caller is first and must run the request, then {@link #complete};
   * a value is the earlier result to replay. Fails with 409 when the key was used with another body.
   */
  Future<Optional<Stored>> claim(String scope, String bodySha256) {
    InFlight mine = new InFlight(bodySha256, Promise.promise());
    InFlight existing = inFlight.putIfAbsent(scope, mine);
    if (existing != null) {
      // whoever holds the key now may be a reuse with another body that has not yet found the first result: wait for
      // the key's result, then compare it with this body
      return existing.result().future().compose(result -> result.bodySha256().equals(bodySha256)
          ? Future.succeededFuture(Optional.of(result)) : Future.failedFuture(conflict()));
    }
    return store.read(c -> stored(c, scope)).compose(found -> {
      if (found.isEmpty()) {
        return Future.succeededFuture(Optional.<Stored>empty());
      }
      inFlight.remove(scope, mine);
      mine.result().tryComplete(found.get());
      if (!found.get().bodySha256().equals(bodySha256)) {
        return Future.failedFuture(conflict());
      }
      return Future.succeededFuture(found);
    }, e -> {
      inFlight.remove(scope, mine);
      mine.result().tryFail(e);
      return Future.failedFuture(e);
    });
  }

  /**
   * Publishes the first result to waiting duplicates, storing it first when {@code persist}. A charged result is
   * stored by {@link #insert} in the transaction of its charge instead, and published here without persisting.
   */
  Future<Void> complete(String scope, Stored result, boolean persist) {
    Future<Void> saved = persist ? store.write(c -> {
      insert(c, scope, result, clock.millis());
      return (Void) null;
    }) : Future.succeededFuture();
    return saved.andThen(done -> {
      InFlight entry = inFlight.remove(scope);
      if (entry != null) {
        entry.result().tryComplete(result);
      }
    });
  }

  /** Stores {@code result} for later duplicates, unless one is already stored; in the caller's transaction. */
  static void insert(java.sql.Connection c, String scope, Stored result, long nowMs) throws java.sql.SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO idempotency (scope, body_sha256, status, headers, body,"
        + " created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (scope) DO NOTHING")) {
      s.setString(1, scope);
      s.setString(2, result.bodySha256());
      s.setInt(3, result.status());
      s.setString(4, Json.write(result.headers()));
      s.setBytes(5, result.body().getBytes());
      s.setLong(6, nowMs);
      s.executeUpdate();
    }
  }

  /** Drops stored results older than the retention; run periodically. */
  static int expire(java.sql.Connection c, long nowMs) throws java.sql.SQLException {
    try (PreparedStatement s = c.prepareStatement("DELETE FROM idempotency WHERE created_at < ?")) {
      s.setLong(1, nowMs - RETENTION_MS);
      return s.executeUpdate();
    }
  }

  private Optional<Stored> stored(java.sql.Connection c, String scope) throws java.sql.SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT body_sha256, status, headers, body FROM idempotency"
        + " WHERE scope = ? AND created_at >= ?")) {
      s.setString(1, scope);
      s.setLong(2, clock.millis() - RETENTION_MS);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        @SuppressWarnings("unchecked")
        Map<String, String> headers = Json.read(rs.getString(3), LinkedHashMap.class);
        return Optional.of(new Stored(rs.getInt(2), headers, Buffer.buffer(rs.getBytes(4)), rs.getString(1)));
      }
    }
  }

  private static ApiException conflict() {
    return ApiException.conflict("idempotency_key_reused",
        "This Idempotency-Key was already used with a different request body. Use a new key for a new request.");
  }
}
