package io.tollgate.mock;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import java.util.OptionalInt;

/**
 * Writes an {@link SseScript} frame by frame. Each frame is its own write, and the next one starts
 * only after the previous one reached the socket, so a proxy in front sees chunks arrive apart
 * rather than coalesced into one buffer.
 */
final class SsePlayer {

  private final Vertx vertx;
  private final HttpServerResponse response;
  private final SseScript script;
  private final long bodyDelayMs;
  private final int dropAt;
  private final int errorAt;
  private final MockSettings settings;
  private final Wire wire;
  private long timerId = -1;

  private SsePlayer(Vertx vertx, HttpServerResponse response, SseScript script,
      MockSettings settings, Wire wire) {
    this.wire = wire;
    this.vertx = vertx;
    this.response = response;
    this.script = script;
    this.settings = settings;
    OptionalInt tokensPerSecond = settings.tokensPerSecond();
    this.bodyDelayMs =
        tokensPerSecond.isPresent() ? Math.max(1, 1000 / tokensPerSecond.getAsInt()) : 0;
    // A drop or an error past the end of the output still strikes before the finish chunk: the
    // stream never completes, which is the point of asking for either.
    this.dropAt = cutAt(script, settings.dropAfter());
    this.errorAt = cutAt(script, settings.errorAfter());
  }

  private static int cutAt(SseScript script, OptionalInt afterChunks) {
    return afterChunks.isPresent()
        ? script.bodyFrom() + Math.min(afterChunks.getAsInt(), script.bodyTo() - script.bodyFrom())
        : -1;
  }

  /** Sends the headers and then the frames, pacing output frames by {@code tps}. */
  static void play(Vertx vertx, HttpServerResponse response, SseScript script,
      MockSettings settings, Wire wire) {
    response.setStatusCode(200)
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache");
    SsePlayer player = new SsePlayer(vertx, response, script, settings, wire);
    response.closeHandler(closed -> player.stop());
    player.next(0);
  }

  private void next(int index) {
    if (response.closed()) {
      return;
    }
    if (index == dropAt) {
      response.reset();
      return;
    }
    if (index == errorAt) {
      // A clean end after the error: the stream is well-formed, only its content says it failed.
      response.end(wire.errorEvent(MockFailure.overloaded().echoed(settings)));
      return;
    }
    if (index == script.frames().size()) {
      response.end();
      return;
    }
    if (script.isBody(index) && bodyDelayMs > 0) {
      timerId = vertx.setTimer(bodyDelayMs, fired -> write(index));
    } else {
      write(index);
    }
  }

  private void write(int index) {
    if (response.closed()) {
      return;
    }
    // Resuming on a fresh event-loop task keeps the stack flat however long the stream is.
    response.write(script.frames().get(index))
        .onSuccess(written -> vertx.runOnContext(resume -> next(index + 1)));
  }

  private void stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
  }
}
