package io.tollgate.http;

import io.tollgate.json.Ids;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
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

  /** Sends {@code failure} unless the response has already started; then the connection is closed instead. */
  public static void send(HttpServerResponse response, Throwable failure) {
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
        case 413 -> ApiException.tooLarge(-1);
        case 404 -> ApiException.notFound("unknown_url", null, "Unknown request URL: " + ctx.request().method() + " " + ctx.request().path());
        case 405 -> new ApiException(405, "invalid_request_error", "method_not_allowed", null,
            "Method " + ctx.request().method() + " is not allowed on " + ctx.request().path());
        default -> new ApiException(status < 400 ? 500 : status, "invalid_request_error", null, null, "Request failed");
      };
    }
    send(ctx.response(), failure);
  }

  static ApiException toApi(Throwable failure) {
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
    // the client learns only that it happened and where the log tells the rest: never a class name, a stack
    // trace or the exception's own text, which may carry internals
    String reference = Ids.next("err", System.currentTimeMillis());
    LOG.error("unexpected failure, reference {}", reference, failure);
    return new ApiException(500, "server_error", "internal_error", null,
        "The gateway hit an internal error (reference " + reference + "; its log has the details).");
  }
}
