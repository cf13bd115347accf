package io.tollgate.proxy;

import io.tollgate.config.Channel;
import io.tollgate.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

/**
 * Sends one attempt to a channel. The returned exchange completes when the upstream's response head arrives;
 * a connect failure, a connect timeout or no answer within the channel's first-byte timeout fail it with an
 * {@link AttemptFailure} naming which. The underlying request is kept so a caller can cancel it.
 */
final class UpstreamClient {
  private final Vertx vertx;
  private final HttpClient client;

  private final java.time.Clock clock;

  UpstreamClient(Vertx vertx, java.time.Clock clock) {
    this.vertx = vertx;
    this.clock = clock;
    this.client = vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setDecompressionSupported(false),
        new PoolOptions().setHttp1MaxSize(2048));
  }

  /** An in-flight upstream call. */
  record Exchange(HttpClientRequest request, HttpClientResponse response, long startedAtMs, long headAtMs) {}

  /**
   * Sends {@code body}; the exchange completes with the upstream's response head. When {@code abandoned} completes
   * first (the client left), the request is reset and the exchange fails with {@link ClientLeft}.
   */
  Future<Exchange> send(Channel channel, String path, Buffer body, MultiMap clientHeaders, long startedAtMs,
      Future<Void> abandoned) {
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(channel.baseUrl() + path)
        .setConnectTimeout(channel.timeouts().connectMs())
        .putHeader("content-type", "application/json")
        .putHeader("accept", "application/json, text/event-stream");
    // the channel's kind says how its credential travels: Authorization: Bearer, x-api-key or x-goog-api-key
    io.tollgate.providers.UpstreamProtocol.of(channel.kind()).credentialHeaders(channel.credential()).forEach(options::putHeader);
    channel.headers().forEach(options::putHeader);
    for (String name : channel.forwardHeaders()) {
      String value = clientHeaders.get(name);
      if (value != null) {
        options.putHeader(name, value);
      }
    }
    Promise<Exchange> result = Promise.promise();
    boolean[] sent = {false};
    long timer = vertx.setTimer(channel.timeouts().firstByteMs(), id -> result.tryFail(AttemptFailure.retryable(
        "timeout_first_byte", "no response within the first-byte timeout of " + channel.timeouts().firstByteMs() + " ms")));
    result.future().onComplete(done -> vertx.cancelTimer(timer));
    abandoned.onComplete(left -> result.tryFail(new ClientLeft(sent[0])));
    Future<HttpClientRequest> opening;
    try {
      opening = client.request(options);
    } catch (IllegalStateException closed) {
      // the gateway is stopping: its upstream client closed before this call went out
      result.tryFail(new ApiException(503, "server_error", "gateway_stopping", null,
          "The gateway is stopping: nothing was sent upstream and nothing was charged. Retry the request."));
      return result.future();
    }
    opening.onComplete(opened -> {
      if (opened.failed()) {
        result.tryFail(classifyConnect(opened.cause(), channel));
        return;
      }
      HttpClientRequest request = opened.result();
      // whatever ends the exchange first (a timeout, the client leaving) cancels the request on the wire
      result.future().onFailure(e -> request.reset());
      if (result.future().isComplete()) {
        return;
      }
      sent[0] = true;
      request.send(body).onComplete(answered -> {
        if (answered.failed()) {
          result.tryFail(AttemptFailure.retryable("connect_error", "upstream connection failed: " + answered.cause().getMessage()));
        } else if (!result.tryComplete(new Exchange(request, answered.result(), startedAtMs, clock.millis()))) {
          request.reset();
        }
      });
    });
    return result.future();
  }

  private static AttemptFailure classifyConnect(Throwable cause, Channel channel) {
    if (cause instanceof TimeoutException || String.valueOf(cause.getMessage()).toLowerCase().contains("timed out")
        || cause.getClass().getSimpleName().contains("Timeout")) {
      return AttemptFailure.retryable("timeout_connect",
          "could not connect within the connect timeout of " + channel.timeouts().connectMs() + " ms");
    }
    if (cause instanceof ConnectException) {
      return AttemptFailure.retryable("connect_error", "could not connect to the upstream: " + cause.getMessage());
    }
    return AttemptFailure.retryable("connect_error", "upstream connection failed: " + cause.getMessage());
  }

  Future<Void> close() {
    return client.close();
  }
}
