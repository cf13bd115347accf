package io.tollgate.console;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Passes a long answer from the API through to the page's script as it arrives (a run's server-sent events, a
 * playground chat's stream), on a loopback client of its own (so a stream, which holds its connection until it ends,
 * never takes one the pages need), at most {@link #PER_SESSION} at once per session (more answer 429), and closing the
 * upstream request as soon as the browser goes away rather than at the stream's next write.
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
    return pass(ctx, session, api -> api.open(path, session.bearer()), up -> {});
  }

  /**
   * The answer {@code opening} gets from the API on this pool, passed through as it arrives with the API's status
   * and content type; {@code headers} copies any other header the page needs.
   */
  Future<String> pass(RoutingContext ctx, Session session, java.util.function.Function<Loopback, Future<HttpClientResponse>> opening,
      java.util.function.Consumer<HttpClientResponse> headers) {
    if (!acquire(session.id())) {
      return Future.failedFuture(new PageException(429, "This session already has " + PER_SESSION
          + " streams open (run pages or playground answers); wait for one to end or close a run page, then try again."));
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
    return opening.apply(api).compose(up -> {
      upstream.set(up);
      if (gone.get()) {
        up.request().reset();
        return Future.succeededFuture("");
      }
      response.setStatusCode(up.statusCode()).setChunked(true)
          .putHeader("content-type", up.getHeader("content-type") == null ? "text/plain" : up.getHeader("content-type"));
      headers.accept(up);
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
