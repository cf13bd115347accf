package io.tollgate.http;

import io.tollgate.json.Ids;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Renders any failure in the OpenAI error shape {@code {"error":{"message","type","param","code"}}}. */
public final class ErrorRenderer {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorRenderer.class);

  private ErrorRenderer() {}

  public static JsonObject body(ApiException e) {
    JsonObject error = new JsonObject()
        .put("message", e.getMessage())
        .put("type", e.type())
        .put("param", e.param())
        .put("code", e.code());
    return new JsonObject().put("error", error);
  }

  /**
   * A whole HTTP/1.1 answer carrying {@code e}, ending with {@code connection: close}: what the connection layer
   * writes straight to a socket when there is no request to answer through (a timeout, a connection over a cap,
   * bytes that are not HTTP).
   */
  static byte[] closingAnswer(ApiException e) {
    byte[] body = body(e).encode().getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder()
        .append("HTTP/1.1 ").append(e.status()).append(' ').append(HttpResponseStatus.valueOf(e.status()).reasonPhrase())
        .append("\r\ncontent-type: application/json\r\ncontent-length: ").append(body.length)
        .append("\r\nconnection: close\r\n");
    for (Map.Entry<String, String> header : e.headers().entrySet()) {
      head.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
    }
    byte[] headBytes = head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    byte[] answer = new byte[headBytes.length + body.length];
    System.arraycopy(headBytes, 0, answer, 0, headBytes.length);
    System.arraycopy(body, 0, answer, headBytes.length, body.length);
    return answer;
  }

  /**
   * Sends {@code failure} unless the response has already started; then the connection is closed instead. A
   * connection the client already closed gets nothing, and is not logged: the client left, the gateway did not fail.
   */
  public static void send(HttpServerResponse response, Throwable failure) {
    if (failure instanceof HttpClosedException) {
      return;
    }
    ApiException e = toApi(failure);
    if (response.headWritten()) {
      if (!response.ended()) {
        response.reset();
      }
      return;
    }
    e.headers().forEach(response::putHeader);
    response.setStatusCode(e.status())
        .putHeader("content-type", "application/json")
        .end(body(e).encode());
  }

  /** The vertx-web failure handler: maps framework failures (body too large, bad method) to the same shape. */
  public static void handle(RoutingContext ctx) {
    send(ctx.response(), failureOf(ctx));
  }

  /** The routing context's key for the body limit the body handler enforces, in bytes. */
  static final String BODY_LIMIT = "tollgate.body_limit";

  /** What a failed routing context failed with, as the failure handler answers it (see {@link #handle}). */
  public static Throwable failureOf(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    int status = ctx.statusCode();
    if (failure != null && status >= 400 && status < 500 && !(failure instanceof ApiException)
        && !(failure instanceof io.vertx.ext.web.handler.HttpException)) {
      // failed with a client status and an exception: the status is the answer, the exception only the log's
      LOG.debug("request failed with {}", status, failure);
      failure = new ApiException(status, "invalid_request_error", null, null, "Request failed with status " + status + ".");
    }
    if (failure == null) {
      failure = switch (status) {
        case 413 -> ApiException.tooLarge(ctx.get(BODY_LIMIT, 0L));
        case 404 -> ApiException.notFound("unknown_url", null, "Unknown request URL: " + ctx.request().method() + " " + ctx.request().path());
        case 405 -> new ApiException(405, "invalid_request_error", "method_not_allowed", null,
            "Method " + ctx.request().method() + " is not allowed on " + ctx.request().path());
        default -> new ApiException(status < 400 ? 500 : status, "invalid_request_error", null, null, "Request failed");
      };
    }
    return failure;
  }

  /** Seconds a client is asked to wait when the accounting store is unreachable. */
  static final int ACCOUNTING_RETRY_AFTER_S = 2;

  /**
   * 503 {@code accounting_unavailable}: the store that holds balances, holds and limits cannot be reached, so no request
   * can be admitted (fail closed); nothing was sent upstream.
   */
  public static ApiException accountingUnavailable() {
    return new ApiException(503, "server_error", "accounting_unavailable", null,
        "The gateway cannot reach its accounting store, so it admits no request for now; nothing was sent upstream or"
            + " charged. Retry after " + ACCOUNTING_RETRY_AFTER_S + " seconds.",
        Map.of("retry-after", Integer.toString(ACCOUNTING_RETRY_AFTER_S)));
  }

  /** Any failure as the API error a client is shown: an unexpected one is logged and shown only by reference. */
  public static ApiException toApi(Throwable failure) {
    if (failure instanceof ApiException api) {
      return api;
    }
    if (failure instanceof io.vertx.ext.web.handler.HttpException http) {
      if (http.getStatusCode() == 413) {
        return new ApiException(413, "invalid_request_error", "request_too_large", null, "Request body is larger than the configured limit.");
      }
      return new ApiException(http.getStatusCode(), "invalid_request_error", null, null,
          http.getPayload() != null ? http.getPayload() : "Request failed with status " + http.getStatusCode());
    }
    if (io.tollgate.store.StoreException.unreachable(failure)) {
      // the database that keeps the accounting cannot be reached: nothing was admitted, so nothing reached an upstream
      LOG.warn("accounting unavailable: {}", failure.getMessage());
      return accountingUnavailable();
    }
    // the client learns only that it happened and where the log tells the rest: never a class name, a stack
    // trace or the exception's own text, which may carry internals
    String reference = Ids.next("err", System.currentTimeMillis());
    LOG.error("unexpected failure, reference {}", reference, failure);
    return new ApiException(500, "server_error", "internal_error", null,
        "The gateway hit an internal error (reference " + reference + "; its log has the details).");
  }
}
