package io.tollgate.proxy;

import io.tollgate.config.Timeouts;
import io.tollgate.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * Relays one upstream SSE stream to the client event by event, as each arrives: never buffered whole, and
 * paused while the client's write queue is full so a slow reader cannot grow memory without bound. It reads
 * the usage chunk (asked for on the client's behalf) and hides it from a client that did not ask. Events that
 * arrive in one upstream read go to the client in one write: nothing waits for more, but a burst costs one
 * system call instead of one per event.
 *
 * <p>While the relay holds the upstream paused for a slow client, the upstream's idle timer stops: that silence is
 * the client's, never the upstream's. The total timeout still bounds the attempt (its hold expires soon after it), and
 * when it runs out while the upstream is held paused, or the upstream drops the connection the relay held paused, the
 * stream ends as {@code client_too_slow}, which is no failure of the channel.
 *
 * <p>The relay completes with the final outcome. It fails with a retryable {@link AttemptFailure} only when
 * the upstream broke before a single event reached the client, so the next leg can still be tried.
 */
final class SseRelay {

  private final Vertx vertx;
  private final Call call;
  private final UpstreamClient.Exchange upstream;
  private final HttpServerResponse client;
  private final Timeouts timeouts;
  private final Runnable writeHead;
  private final Promise<String> result = Promise.promise();
  private Buffer pending = Buffer.buffer();
  /** Events of the upstream read being handled, written to the client together at its end; null between reads. */
  private Buffer batch;
  private final StringBuilder completion = new StringBuilder();
  private final StreamScrubber scrubber;
  /** The events that carried usage, judged when the stream ends; an upstream sending more than this is not heard. */
  private final java.util.List<JsonObject> usageReports = new java.util.ArrayList<>();
  static final int MAX_USAGE_REPORTS = 8;
  private boolean headSent;
  private boolean sawDone;
  private boolean sawFinish;
  private boolean upstreamError;
  private boolean ending;
  private long idleTimer = -1;
  private long totalTimer = -1;
  /** Set while the upstream is paused because the client's write queue is full. */
  private boolean pausedForClient;
  /** Provider translation: the leg's events as OpenAI chunks (unused for an OpenAI-compatible leg). */
  private io.tollgate.providers.UpstreamProtocol.StreamTranslator translator;
  /** Client dialect: the client's events for each chunk, for the end and for an error (OpenAI's as they are). */
  private final io.tollgate.providers.ClientDialect.StreamWriter out;

  /** @param writeHead sets status and headers on the client response; run just before the first event */
  SseRelay(Vertx vertx, Call call, UpstreamClient.Exchange upstream, HttpServerResponse client, Timeouts timeouts,
      Runnable writeHead) {
    this.vertx = vertx;
    this.call = call;
    this.upstream = upstream;
    this.client = client;
    this.timeouts = timeouts;
    this.writeHead = writeHead;
    this.scrubber = new StreamScrubber(call.redactor());
    this.out = call.dialect.stream(call.model);
  }

  /** Runs the relay; the future holds the outcome ({@code ok}, {@code stream_broken}, {@code client_disconnected}, ...). */
  Future<String> run(long nowMs) {
    var response = upstream.response();
    translator = call.protocol.stream(nowMs / 1000);
    totalTimer = vertx.setTimer(Math.max(1, timeouts.totalMs() - (nowMs - upstream.startedAtMs())), id -> {
      if (pausedForClient) {
        tooSlow("it had not taken in the answer when the " + timeouts.totalMs() + " ms the upstream call may last ran out");
      } else {
        broken("timeout_total", "the upstream did not finish within the total timeout of " + timeouts.totalMs() + " ms");
      }
    });
    armIdle();
    call.left.future().onComplete(v -> {
      if (!result.future().isComplete() && !ending) {
        ending = true;
        upstream.request().reset();
        finish("client_disconnected");
      }
    });
    response.handler(this::onData);
    response.exceptionHandler(e -> {
      if (pausedForClient) {
        // held paused for the client, the upstream (or a proxy before it) gave up on a connection nobody read
        tooSlow("the upstream closed the connection the gateway held paused while the client was not reading");
      } else {
        broken("stream_broken", "the upstream connection broke mid-stream: " + e.getMessage());
      }
    });
    response.endHandler(v -> onEnd());
    return result.future().andThen(done -> {
      vertx.cancelTimer(idleTimer);
      vertx.cancelTimer(totalTimer);
    });
  }

  private void armIdle() {
    if (idleTimer >= 0) {
      vertx.cancelTimer(idleTimer);
    }
    idleTimer = vertx.setTimer(timeouts.idleMs(),
        id -> broken("timeout_idle", "the upstream sent nothing for the idle timeout of " + timeouts.idleMs() + " ms"));
  }

  private void onData(Buffer chunk) {
    if (result.future().isComplete()) {
      return;
    }
    if (!pausedForClient) {
      // a read already under way when the relay paused still arrives: it restarts no upstream timer
      armIdle();
    }
    pending.appendBuffer(chunk);
    batch = Buffer.buffer();
    try {
      relayEvents();
    } finally {
      flushBatch();
    }
  }

  private void relayEvents() {
    int end;
    while ((end = eventEnd(pending, 0)) >= 0) {
      int next = end;
      while (next < pending.length() && (pending.getByte(next) == '\n' || pending.getByte(next) == '\r')) {
        next++;
      }
      String event = pending.getString(0, end, StandardCharsets.UTF_8.name());
      // consumed before it is handled: an event is never handled twice, whatever it does
      pending = pending.getBuffer(next, pending.length());
      boolean more;
      try {
        more = onEvent(event);
      } catch (RuntimeException e) {
        broken("malformed_response", "the upstream sent an event of the wrong shape: " + e.getMessage());
        return;
      }
      if (!more) {
        return;
      }
    }
  }

  /** Handles one complete event; returns false when the relay has ended. */
  private boolean onEvent(String event) {
    StringBuilder data = new StringBuilder();
    for (String line : event.split("\r?\n")) {
      if (line.startsWith("data:")) {
        if (data.length() > 0) {
          data.append('\n');
        }
        data.append(line.length() > 5 && line.charAt(5) == ' ' ? line.substring(6) : line.substring(5));
      }
    }
    if (data.length() == 0) {
      return true;
    }
    String payload = data.toString();
    if (payload.equals("[DONE]")) {
      sawDone = true;
      return true;
    }
    JsonObject json;
    try {
      json = new JsonObject(payload);
    } catch (DecodeException e) {
      broken("malformed_response", "the upstream sent an event that is not JSON");
      return false;
    }
    if (!call.protocol.translates()) {
      return onChunk(json, payload);
    }
    // provider translation: an Anthropic or Gemini event stands for zero or more OpenAI chunks, each read as one
    for (JsonObject chunk : translator.chunks(json)) {
      if (!onChunk(chunk, null)) {
        return false;
      }
    }
    return true;
  }

  /** Handles one OpenAI chunk, {@code payload} its text as received (null when translated); false when the relay ended. */
  private boolean onChunk(JsonObject json, String payload) {
    if (json.getValue("error") != null) {
      upstreamError = true;
      String message = json.getJsonObject("error") == null ? "upstream error" : json.getJsonObject("error").getString("message", "upstream error");
      broken("stream_broken", "the upstream reported an error mid-stream: " + message);
      return false;
    }
    // 'model' is the catalog model the client asked for, in every chunk as in a whole answer
    boolean rewritten = call.model != null && json.getValue("model") != null && !call.model.equals(json.getValue("model"));
    if (rewritten) {
      json.put("model", call.model);
    }
    boolean hasUsage = json.getValue("usage") != null;
    if (call.accounted && hasUsage && usageReports.size() < MAX_USAGE_REPORTS) {
      // judged at the end, against everything the stream delivered: a usage sent early must not escape the floor
      usageReports.add(json);
    }
    JsonArray choices = json.getJsonArray("choices");
    for (Object c : choices == null ? new JsonArray() : choices) {
      if (c instanceof JsonObject choice) {
        if (choice.getValue("finish_reason") != null) {
          sawFinish = true;
        }
        if (call.accounted && choice.getJsonObject("delta") != null) {
          completion.append(UsageReader.completionText(new JsonObject().put("choices", new JsonArray().add(choice))));
        }
      }
    }
    boolean usageOnly = hasUsage && (choices == null || choices.isEmpty());
    if (usageOnly && !call.clientWantsUsage) {
      return true;
    }
    // last, after the usage and the completion were read as the upstream sent them: no credential reaches the client
    if (scrubber.scrub(json) || rewritten || payload == null) {
      payload = json.encode();
    }
    write(out.chunk(json, payload));
    return true;
  }

  private void write(Buffer event) {
    if (!headSent) {
      headSent = true;
      writeHead.run();
    }
    send(event);
  }

  private void send(Buffer event) {
    if (call.capture != null) {
      call.capture.appendBuffer(event);
    }
    if (batch != null) {
      batch.appendBuffer(event);
      return;
    }
    client.write(event);
    pauseWhileClientIsFull();
  }

  /** Writes the events batched so far; anything the relay writes after this goes out at once. */
  private void flushBatch() {
    Buffer events = batch;
    batch = null;
    if (events != null && events.length() > 0) {
      client.write(events);
      pauseWhileClientIsFull();
    }
  }

  private void pauseWhileClientIsFull() {
    if (!client.writeQueueFull() || pausedForClient || result.future().isComplete()) {
      return;
    }
    pausedForClient = true;
    upstream.response().pause();
    vertx.cancelTimer(idleTimer);
    client.drainHandler(v -> resumeForClient());
  }

  private void resumeForClient() {
    if (!pausedForClient || result.future().isComplete()) {
      return;
    }
    pausedForClient = false;
    upstream.response().resume();
    armIdle();
  }

  /**
   * The total timeout ran out, or the upstream closed its connection, while the upstream was held paused for the
   * client: the client is cut off, and the channel is not blamed.
   */
  private void tooSlow(String why) {
    if (result.future().isComplete() || ending) {
      return;
    }
    ending = true;
    upstream.request().reset();
    ApiException error = new ApiException(408, "invalid_request_error", "client_too_slow", null,
        "The stream was ended because the client read it too slowly: " + why + ". Only what was generated is billed."
            + " Receipt: " + call.id);
    send(out.error(error));
    finish("client_too_slow");
  }

  private void onEnd() {
    if (result.future().isComplete()) {
      return;
    }
    if (!sawDone && !sawFinish) {
      broken("stream_broken", "the upstream closed the stream before it finished");
      return;
    }
    // text held back in case it began a credential goes out before the end
    scrubber.rest().forEach((index, text) -> {
      JsonObject rest = new JsonObject()
          .put("object", "chat.completion.chunk").put("model", call.model)
          .put("choices", new JsonArray().add(new JsonObject().put("index", index.matches("\\d{1,9}") ? Integer.parseInt(index) : 0)
              .put("delta", new JsonObject().put("content", text)).putNull("finish_reason")));
      write(out.chunk(rest, rest.encode()));
    });
    write(out.done());
    finish("ok");
  }

  private void broken(String outcome, String reason) {
    if (result.future().isComplete() || ending) {
      return;
    }
    // the reason may quote the upstream's own error text, which goes to the client and the receipt
    String message = call.redactor().errorText(reason);
    // resetting the upstream fires its exception handler at once: mark first, so the reset is not reported as the cause
    ending = true;
    upstream.request().reset();
    if (!headSent) {
      result.tryFail(AttemptFailure.retryable(outcome, message));
      return;
    }
    ApiException error = new ApiException(502, "server_error", "upstream_" + outcome, null,
        "The upstream stream ended abnormally (" + message + "). Only what was generated is billed. Receipt: " + call.id);
    send(out.error(error));
    finish(outcome);
  }

  private void finish(String outcome) {
    // whoever completes the relay may end the response at once: what was relayed goes out first
    flushBatch();
    if (call.accounted) {
      var bounds = call.usageBounds(completion);
      usageReports.forEach(report -> call.report(ReportedUsage.read(report, bounds)));
    }
    // a client that left still pays for what the upstream processed: at least the prompt
    if (call.accounted && call.usage == null && (headSent || outcome.equals("ok") || outcome.equals("client_disconnected"))) {
      call.usage = call.estimated(completion.toString());
    }
    result.tryComplete(outcome);
  }

  boolean headSent() {
    return headSent;
  }

  boolean upstreamReportedError() {
    return upstreamError;
  }

  private static int eventEnd(Buffer buffer, int from) {
    for (int i = from; i < buffer.length() - 1; i++) {
      if (buffer.getByte(i) == '\n') {
        byte next = buffer.getByte(i + 1);
        if (next == '\n') {
          return i;
        }
        if (next == '\r' && i + 2 < buffer.length() && buffer.getByte(i + 2) == '\n') {
          return i;
        }
      }
    }
    return -1;
  }
}
