package io.tollgate.proxy;

import io.tollgate.json.Json;
import io.tollgate.store.NodeLock;
import io.vertx.core.buffer.Buffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code idempotency_claims} table: on a store shared by several gateway processes, the row that makes one of
 * them the runner of the first request with an Idempotency-Key. The claim is one {@code INSERT ... ON CONFLICT}, so of
 * two processes claiming a key at the same moment exactly one gets it; the other waits on the claim's end.
 *
 * <p>A claim ends in one of three ways: a kept result is stored in {@code idempotency} and the claim deleted in the
 * same transaction ({@link Idempotency#insert}); a result that is not kept (a refusal, a transient failure) is written
 * on the claim for the duplicates that waited on it ({@link #finish}), and the next request with the key takes the
 * claim over; a claim whose process died is taken over too, once past its expiry; and a claim of the claiming
 * process's own node under another token is taken over at once: a process runs one request per key at a time (its
 * copies wait on one promise), so that request has ended, though writing its result on the claim may have failed.
 *
 * <p>Only a dead process's claim is taken over: a claim past its expiry whose node still holds its name (the session
 * advisory lock of {@link NodeLock}, read in the same statement) stands, whatever the clocks say. Expiry is written
 * from the claiming process's clock and compared with the reader's, so two hosts' clocks apart by more than a claim's
 * lifetime would otherwise take each other's live claims over; a node's lock is PostgreSQL's, one for all.
 */
final class IdempotencyClaims {
  /** What claiming a key found. */
  sealed interface Found permits Earlier, Mine, Held {}

  /** The key's kept result: replay it. */
  record Earlier(Idempotency.Stored result) implements Found {}

  /** The claim is this request's: run it. */
  record Mine() implements Found {}

  /**
   * Another request holds the claim ({@code token}); {@code finished} is its unkept result once it has one;
   * {@code takeable} when it is past its expiry and its node is dead, or it is the reader's own node's (ended).
   */
  record Held(String token, String bodySha256, boolean takeable, Idempotency.Stored finished) implements Found {}

  /**
   * True of a claim row that another request may take over now (parameters: the reader's node, the time now by its
   * clock): its own node's, or an expired one of a dead node.
   */
  private static final String TAKEABLE = "(idempotency_claims.node = ? OR (idempotency_claims.expires_at < ? AND NOT "
      + NodeLock.alive("idempotency_claims.node") + "))";

  private IdempotencyClaims() {}

  /**
   * Claims {@code scope} for the request {@code token} unless a kept result exists or a live request holds it; a
   * finished claim, one of this {@code node}'s own (its request ended: see the class), or an expired one of a dead
   * node, is taken over. In the caller's write transaction.
   */
  static Found claim(Connection c, String scope, String token, String node, String bodySha256, long nowMs,
      long expiresAt, long retentionMs) throws SQLException {
    Optional<Idempotency.Stored> earlier = Idempotency.stored(c, scope, nowMs - retentionMs);
    if (earlier.isPresent()) {
      return new Earlier(earlier.get());
    }
    try (PreparedStatement s = c.prepareStatement("INSERT INTO idempotency_claims (scope, token, node, body_sha256,"
        + " expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (scope) DO UPDATE SET token = excluded.token, node ="
        + " excluded.node, body_sha256 = excluded.body_sha256, expires_at = excluded.expires_at, status = NULL,"
        + " headers = NULL, body = NULL WHERE idempotency_claims.status IS NOT NULL OR " + TAKEABLE)) {
      s.setString(1, scope);
      s.setString(2, token);
      s.setString(3, node);
      s.setString(4, bodySha256);
      s.setLong(5, expiresAt);
      s.setString(6, node);
      s.setLong(7, nowMs);
      if (s.executeUpdate() == 1) {
        return new Mine();
      }
    }
    return held(c, scope, node, nowMs).orElseThrow(() -> new SQLException("idempotency claim of " + scope + " vanished"));
  }

  /** The claim on {@code scope} as it is now, or the kept result that ended it; empty when neither exists. */
  static Optional<Found> look(Connection c, String scope, String node, long nowMs, long retentionMs)
      throws SQLException {
    Optional<Idempotency.Stored> earlier = Idempotency.stored(c, scope, nowMs - retentionMs);
    if (earlier.isPresent()) {
      return Optional.of(new Earlier(earlier.get()));
    }
    return held(c, scope, node, nowMs).map(h -> h);
  }

  /** Writes the unkept {@code result} on the claim {@code token}, for the duplicates that waited on it. */
  static void finish(Connection c, String scope, String token, Idempotency.Stored result) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("UPDATE idempotency_claims SET status = ?, headers = ?, body = ?"
        + " WHERE scope = ? AND token = ?")) {
      s.setInt(1, result.status());
      s.setString(2, Json.write(result.headers()));
      s.setBytes(3, result.body().getBytes());
      s.setString(4, scope);
      s.setString(5, token);
      s.executeUpdate();
    }
  }

  /**
   * Ends the claim {@code token} on {@code scope}: its result is kept now. Only this request's own claim: one another
   * request took over (this one's expired) is that request's to end.
   */
  static void end(Connection c, String scope, String token) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("DELETE FROM idempotency_claims WHERE scope = ? AND token = ?")) {
      s.setString(1, scope);
      s.setString(2, token);
      s.executeUpdate();
    }
  }

  /**
   * Drops claims past their expiry that are finished or whose node is dead (a live node's claim stands: see the class),
   * and at start-up ({@code node} not null) every claim of this node: a process that starts runs nothing yet, so a
   * claim under its name is left from its previous life.
   */
  static int expire(Connection c, long nowMs, String node) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("DELETE FROM idempotency_claims WHERE (expires_at < ? AND (status IS"
        + " NOT NULL OR NOT " + NodeLock.alive("idempotency_claims.node") + ")) OR node = ?")) {
      s.setLong(1, nowMs);
      s.setString(2, node);
      return s.executeUpdate();
    }
  }

  private static Optional<Held> held(Connection c, String scope, String node, long nowMs) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT token, body_sha256, " + TAKEABLE + ", status, headers, body"
        + " FROM idempotency_claims WHERE scope = ?")) {
      s.setString(1, node);
      s.setLong(2, nowMs);
      s.setString(3, scope);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        Idempotency.Stored finished = null;
        long status = rs.getLong(4);
        if (!rs.wasNull()) {
          @SuppressWarnings("unchecked")
          Map<String, String> headers = Json.read(rs.getString(5), LinkedHashMap.class);
          finished = new Idempotency.Stored((int) status, headers, Buffer.buffer(rs.getBytes(6)), rs.getString(2));
        }
        return Optional.of(new Held(rs.getString(1), rs.getString(2), rs.getBoolean(3), finished));
      }
    }
  }
}
