package io.tollgate.providers.anthropic;

import io.tollgate.http.ApiException;
import io.vertx.core.json.JsonObject;

/**
 * The gateway's errors in Anthropic's shape, {@code {"type":"error","error":{"type","message"}}}, the type chosen
 * by status as Anthropic's own API names it. The gateway's own code is kept at the front of the message.
 */
public final class AnthropicErrors {
  private AnthropicErrors() {}

  public static JsonObject body(ApiException error) {
    String message = error.code() == null ? error.getMessage() : error.code() + ": " + error.getMessage();
    return new JsonObject().put("type", "error")
        .put("error", new JsonObject().put("type", type(error.status())).put("message", message));
  }

  /** The failure handler of the Messages routes: framework failures (a body too large, say) in Anthropic's shape. */
  public static void handle(io.vertx.ext.web.RoutingContext ctx) {
    Throwable failure = io.tollgate.http.ErrorRenderer.failureOf(ctx);
    if (failure instanceof io.vertx.core.http.HttpClosedException) {
      return;
    }
    AnthropicDialect.INSTANCE.sendError(ctx.response(), io.tollgate.http.ErrorRenderer.toApi(failure));
  }

  static String type(int status) {
    return switch (status) {
      case 400, 409, 415, 422 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 402 -> "billing_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 503, 529 -> "overloaded_error";
      default -> status >= 500 ? "api_error" : "invalid_request_error";
    };
  }
}
