package io.tollgate.proxy;

import io.tollgate.auth.Secrets;
import io.tollgate.http.ApiException;
import io.tollgate.json.Json;
import io.tollgate.store.StoreAccess;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
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
 * that reached an upstream are also stored, so a replay survives a restart. On a store shared by several gateway
 * processes, the first of a process's requests with a key also claims it in the database ({@link IdempotencyClaims}):
 * of two processes receiving the key at the same moment one runs the request, and the other waits for its result,
 * polling the claim, as a duplicate in the same process waits on the promise.
 */
final class Idempotency {
  static final long RETENTION_MS = 24L * 60 * 60 * 1000;

  /** A finished response, as replayed. */
  record Stored(int status, Map<String, String> headers, Buffer body, String bodySha256) {}

  /** How long a duplicate first waits before looking at another process's claim again; doubled up to MAX_WAIT_MS. */
  static final long MIN_WAIT_MS = 25;
  static final long MAX_WAIT_MS = 1_000;

  /**
   * @param token the request's claim in a shared database
   * @param claimTtlMs how long that claim stands before another process may take it over: longer than the request can
   *     run under the configuration it runs with, since the claim's end is how its process says it stopped (or its
   *     expiry, if it died)
   */
  private record InFlight(String bodySha256, Promise<Stored> result, String token, long claimTtlMs) {}

  private final Vertx vertx;
  private final StoreAccess store;
  private final Clock clock;
  private final boolean shared;
  private final ClaimFinisher finisher;
  private final ConcurrentHashMap<String, InFlight> inFlight = new ConcurrentHashMap<>();

  Idempotency(Vertx vertx, StoreAccess store, Clock clock) {
    this.vertx = vertx;
    this.store = store;
    this.clock = clock;
    this.shared = store.store().shared();
    this.finisher = new ClaimFinisher(vertx, store);
  }

  static String scope(String keyId, String idempotencyKey) {
    return keyId + ":" + idempotencyKey;
  }

  static String sha256(Buffer body) {
    return HexFormat.of().formatHex(Secrets.sha256(body == null ? "" : body.toString()));
  }

  /**
   * Claims {@code scope}. Empty means the caller is first and must run the request, then {@link #complete};
   * a value is the earlier result to replay. Fails with 409 when the key was used with another body. {@code token}
   * names the request's claim in a shared database (unique per request) and {@code claimTtlMs} is how long it stands.
   */
  Future<Optional<Stored>> claim(String scope, String bodySha256, String token, long claimTtlMs) {
    InFlight mine = new InFlight(bodySha256, Promise.promise(), token, claimTtlMs);
    InFlight existing = inFlight.putIfAbsent(scope, mine);
    if (existing != null) {
      // whoever holds the key now may be a reuse with another body that has not yet found the first result: wait for
      // the key's result, then compare it with this body
      return existing.result().future().compose(result -> result.bodySha256().equals(bodySha256)
          ? Future.succeededFuture(Optional.of(result)) : Future.failedFuture(conflict()));
    }
    Future<Optional<Stored>> earlier = shared ? claimShared(scope, mine)
        : store.read(c -> stored(c, scope, clock.millis() - RETENTION_MS));
    return earlier.compose(found -> {
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
   * Claims {@code scope} in the shared database for {@code mine}: empty when it is this request's to
   * run, else the result to replay, once the request holding the claim in another process has one.
   */
  private Future<Optional<Stored>> claimShared(String scope, InFlight mine) {
    long now = clock.millis();
    String node = store.store().node();
    long expiresAt = now + mine.claimTtlMs();
    return store.write(c -> IdempotencyClaims.claim(c, scope, mine.token(), node, mine.bodySha256(), now, expiresAt,
            RETENTION_MS))
        .compose(found -> {
          if (found instanceof IdempotencyClaims.Earlier e) {
            return Future.succeededFuture(Optional.of(e.result()));
          }
          if (found instanceof IdempotencyClaims.Held h) {
            return awaitShared(scope, mine, h, MIN_WAIT_MS);
          }
          return Future.succeededFuture(Optional.<Stored>empty());
        });
  }

  /**
   * Waits for the claim {@code held} to end: its kept result, or the unkept one written on it. A claim that ended
   * without either a duplicate could see (taken over by a later request), or expired with its node dead, is claimed
   * again.
   */
  private Future<Optional<Stored>> awaitShared(String scope, InFlight mine, IdempotencyClaims.Held held, long waitMs) {
    Promise<Optional<Stored>> outcome = Promise.promise();
    poll(scope, mine, held, waitMs, outcome);
    return outcome.future();
  }

  /** One look at the claim after {@code waitMs}; the next look is scheduled afresh, so a long wait nests nothing. */
  private void poll(String scope, InFlight mine, IdempotencyClaims.Held held, long waitMs,
      Promise<Optional<Stored>> outcome) {
    vertx.setTimer(waitMs, id -> store.read(c -> IdempotencyClaims.look(c, scope, store.store().node(), clock.millis(),
        RETENTION_MS)).onComplete(looked -> {
          if (looked.failed()) {
            outcome.fail(looked.cause());
            return;
          }
          Optional<IdempotencyClaims.Found> now = looked.result();
          if (now.isPresent() && now.get() instanceof IdempotencyClaims.Earlier e) {
            outcome.complete(Optional.of(e.result()));
            return;
          }
          if (now.isPresent() && now.get() instanceof IdempotencyClaims.Held h && h.token().equals(held.token())) {
            if (h.finished() != null) {
              outcome.complete(Optional.of(h.finished()));
              return;
            }
            if (!h.takeable()) {
              poll(scope, mine, h, Math.min(MAX_WAIT_MS, waitMs * 2), outcome);
              return;
            }
          }
          claimShared(scope, mine).onComplete(outcome);
        }));
  }

  /**
   * Publishes the first result to waiting duplicates, storing it first when {@code persist}. A charged result is
   * stored by {@link #insert} in the transaction of its charge instead, and published here without persisting.
   */
  Future<Void> complete(String scope, Stored result, boolean persist) {
    InFlight mine = inFlight.get(scope);
    Future<Void> saved = persist ? store.write(c -> {
      insert(c, scope, mine == null ? null : mine.token(), result, clock.millis());
      return (Void) null;
    }) : shared && mine != null
        // nothing kept (or kept already with its charge, which ended the claim): the duplicates waiting in other
        // processes read the result on the claim, and the next request with the key takes the claim over; retried
        // until written, while the next copy in this process may take the claim over at once (its own node's)
        ? finisher.finish(scope, mine.token(), result) : Future.succeededFuture();
    return saved.andThen(done -> {
      InFlight entry = inFlight.remove(scope);
      if (entry != null) {
        entry.result().tryComplete(result);
      }
    });
  }

  /**
   * Stores {@code result} for later duplicates, unless one is already stored, and ends the request's claim
   * ({@code token}) in a shared database; in the caller's transaction.
   */
  static void insert(java.sql.Connection c, String scope, String token, Stored result, long nowMs)
      throws java.sql.SQLException {
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
    IdempotencyClaims.end(c, scope, token);
  }

  /**
   * Drops stored results older than the retention and, on a {@code shared} store, claims past their expiry whose
   * request is over; run periodically.
   */
  static int expire(java.sql.Connection c, long nowMs, boolean shared) throws java.sql.SQLException {
    try (PreparedStatement s = c.prepareStatement("DELETE FROM idempotency WHERE created_at < ?")) {
      s.setLong(1, nowMs - RETENTION_MS);
      return s.executeUpdate() + (shared ? IdempotencyClaims.expire(c, nowMs, null) : 0);
    }
  }

  /** The result kept for {@code scope} since {@code oldestMs}. */
  static Optional<Stored> stored(java.sql.Connection c, String scope, long oldestMs) throws java.sql.SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT body_sha256, status, headers, body FROM idempotency"
        + " WHERE scope = ? AND created_at >= ?")) {
      s.setString(1, scope);
      s.setLong(2, oldestMs);
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
