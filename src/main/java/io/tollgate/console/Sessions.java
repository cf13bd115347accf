package io.tollgate.console;

import io.tollgate.auth.Secrets;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The console's sessions, server-side: the cookie carries only a random id. Expired ones are dropped when seen. */
final class Sessions {
  /** A session lasts this long from sign-in; its key expires with it. */
  static final long TTL_MS = 8 * 3600_000L;
  /** Expired sessions are dropped when seen, and all at once when a sign-in finds this many. */
  private static final int SWEEP_AT = 10_000;
  private final ConcurrentHashMap<String, Session> byId = new ConcurrentHashMap<>();
  /** The sessions of operator users by their delegated admin credential. */
  private final ConcurrentHashMap<String, String> operatorCredentials = new ConcurrentHashMap<>();
  private final Clock clock;

  Sessions(Clock clock) {
    this.clock = clock;
  }

  static String newToken() {
    return Secrets.newKey("");
  }

  long expiry() {
    return clock.millis() + TTL_MS;
  }

  void add(Session session) {
    if (byId.size() >= SWEEP_AT) {
      long now = clock.millis();
      byId.values().removeIf(s -> s.expiresAtMs() <= now);
      operatorCredentials.values().removeIf(id -> !byId.containsKey(id));
    }
    byId.put(session.id(), session);
    if (session.operator() && session.user() != null) {
      operatorCredentials.put(session.credential(), session.id());
    }
  }

  /** Puts {@code session} in place of the session of the same id (a user whose password changed). */
  void replace(Session session) {
    byId.replace(session.id(), session);
  }

  /** The live operator user's session whose delegated admin credential {@code credential} is. */
  Optional<Session> operatorCredential(String credential) {
    String id = operatorCredentials.get(credential);
    if (id == null) {
      return Optional.empty();
    }
    Optional<Session> session = find(id);
    if (session.isEmpty()) {
      operatorCredentials.remove(credential);
    }
    return session;
  }

  /** Ends every session of {@code userId}, but {@code except} (a session id, or null); returns those ended. */
  java.util.List<Session> removeUser(String userId, String except) {
    java.util.List<Session> ended = new java.util.ArrayList<>();
    for (Session s : byId.values()) {
      if (s.user() != null && s.user().id().equals(userId) && !s.id().equals(except)) {
        remove(s.id()).ifPresent(ended::add);
      }
    }
    return ended;
  }

  Optional<Session> find(String id) {
    if (id == null) {
      return Optional.empty();
    }
    Session session = byId.get(id);
    if (session != null && session.expiresAtMs() <= clock.millis()) {
      byId.remove(id);
      return Optional.empty();
    }
    return Optional.ofNullable(session);
  }

  Optional<Session> remove(String id) {
    Optional<Session> removed = id == null ? Optional.empty() : Optional.ofNullable(byId.remove(id));
    removed.ifPresent(s -> operatorCredentials.remove(s.credential(), s.id()));
    return removed;
  }
}
