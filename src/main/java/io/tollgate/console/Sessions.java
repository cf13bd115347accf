package io.tollgate.console;

import io.tollgate.auth.Secrets;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The console's sessions, server-side: the cookie carries only a random id. Expired ones are dropped when seen. */
final class Sessions {
  /** A session lasts this long from sign-in; its key expires with it. */
  static final long TTL_MS = 8 * 3600_000L;
  private final ConcurrentHashMap<String, Session> byId = new ConcurrentHashMap<>();
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
    byId.put(session.id(), session);
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
    return id == null ? Optional.empty() : Optional.ofNullable(byId.remove(id));
  }
}
