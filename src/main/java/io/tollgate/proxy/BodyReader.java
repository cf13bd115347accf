package io.tollgate.proxy;

import io.tollgate.config.Timeouts;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

/** Reads a whole (non-streamed) upstream body under the channel's idle and total timeouts and a size cap. */
final class BodyReader {
  static final int MAX_BODY_BYTES = 32 * 1024 * 1024;

  private BodyReader() {}

  static Future<Buffer> read(Vertx vertx, HttpClientResponse response, Timeouts timeouts, long startedAtMs, long nowMs) {
    Promise<Buffer> result = Promise.promise();
    Buffer body = Buffer.buffer();
    long totalLeft = Math.max(1, timeouts.totalMs() - (nowMs - startedAtMs));
    long[] idleTimer = {-1};
    long totalTimer = vertx.setTimer(totalLeft, id -> fail(result, response,
        "timeout_total", "the upstream did not finish within the total timeout of " + timeouts.totalMs() + " ms"));
    Runnable armIdle = () -> {
      if (idleTimer[0] >= 0) {
        vertx.cancelTimer(idleTimer[0]);
      }
      idleTimer[0] = vertx.setTimer(timeouts.idleMs(), id -> fail(result, response,
          "timeout_idle", "the upstream sent nothing for the idle timeout of " + timeouts.idleMs() + " ms"));
    };
    armIdle.run();
    response.handler(chunk -> {
      body.appendBuffer(chunk);
      if (body.length() > MAX_BODY_BYTES) {
        fail(result, response, "malformed_response", "the upstream body exceeded " + MAX_BODY_BYTES + " bytes");
      } else {
        armIdle.run();
      }
    });
    response.exceptionHandler(e -> fail(result, response, "stream_broken", "the upstream connection broke: " + e.getMessage()));
    response.endHandler(v -> result.tryComplete(body));
    return result.future().andThen(done -> {
      vertx.cancelTimer(totalTimer);
      vertx.cancelTimer(idleTimer[0]);
    });
  }

  private static void fail(Promise<Buffer> result, HttpClientResponse response, String outcome, String message) {
    if (result.tryFail(AttemptFailure.retryable(outcome, message))) {
      response.request().reset();
    }
  }
}
