package io.tollgate.console;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Passes a run's server-sent events from the API through to the page's script, on a loopback client of its own (so a
 * stream, which holds its connection until the run ends, never takes one the pages need), at most
 * {@link #PER_SESSION} at once per session (more answer 429), and closing the upstream request as soon as the browser
 * goes away rather than at the stream's next write.
 */
final class EventStreams {
  /** Streams one session may follow at once: a run page or two. */
  static final int PER_SESSION = 2;
  /** Connections of the streams' own loopback pool, shared by every session's streams (never by pages). */
  static final int MAX_CONNECTIONS = 128;

  private final Loopback api;
  private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();

  EventStreams(Loopback api) {
    this.api = api;
  }

  /** The answer of {@code GET path} as {@code session}'s key, passed through as it arrives; the API's status too. */
  Future<String> pass(RoutingContext ctx, Session session, String path) {
    if (!acquire(session.id())) {
      return Future.failedFuture(new PageException(429, "This session already follows " + PER_SESSION
          + " event streams; close a run page and reload this one."));
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable release = () -> {
      if (released.compareAndSet(false, true)) {
        open.computeIfPresent(session.id(), (id, n) -> n <= 1 ? null : n - 1);
      }
    };
    AtomicBoolean gone = new AtomicBoolean();
    AtomicReference<HttpClientResponse> upstream = new AtomicReference<>();
    HttpServerResponse response = ctx.response();
    response.closeHandler(closed -> {
      gone.set(true);
      release.run();
      HttpClientResponse up = upstream.get();
      if (up != null) {
        up.request().reset();
      }
    });
    return api.open(path, session.bearer()).compose(up -> {
      upstream.set(up);
      if (gone.get()) {
        up.request().reset();
        return Future.succeededFuture("");
      }
      response.setStatusCode(up.statusCode()).setChunked(true)
          .putHeader("content-type", up.getHeader("content-type") == null ? "text/plain" : up.getHeader("content-type"));
      return up.pipeTo(response).map("");
    }).onComplete(done -> {
      // a stream that ended is not reset when its (kept-alive) browser connection closes later
      upstream.set(null);
      release.run();
    });
  }

  private boolean acquire(String sessionId) {
    AtomicBoolean taken = new AtomicBoolean();
    open.compute(sessionId, (id, n) -> {
      int now = n == null ? 0 : n;
      if (now >= PER_SESSION) {
        return n;
      }
      taken.set(true);
      return now + 1;
    });
    return taken.get();
  }
}
