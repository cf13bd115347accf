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
  private long timerId = -1;

  private SsePlayer(Vertx vertx, HttpServerResponse response, SseScript script,
      OptionalInt tokensPerSecond, OptionalInt dropAfter) {
    this.vertx = vertx;
    this.response = response;
    this.script = script;
    this.bodyDelayMs =
        tokensPerSecond.isPresent() ? Math.max(1, 1000 / tokensPerSecond.getAsInt()) : 0;
    // A drop past the end of the output still drops before the finish chunk: the stream never
    // completes, which is the point of asking for a drop.
    this.dropAt = dropAfter.isPresent()
        ? script.bodyFrom() + Math.min(dropAfter.getAsInt(), script.bodyTo() - script.bodyFrom())
        : -1;
  }

  /** Sends the headers and then the frames, pacing output frames by {@code tps}. */
  static void play(Vertx vertx, HttpServerResponse response, SseScript script,
      MockSettings settings) {
    response.setStatusCode(200)
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache");
    SsePlayer player = new SsePlayer(vertx, response, script, settings.tokensPerSecond(),
        settings.dropAfter());
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
