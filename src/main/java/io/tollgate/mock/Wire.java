package io.tollgate.mock;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/**
 * The protocol one mock endpoint speaks: where its credential travels and how its errors look, in a whole answer
 * and as a stream event.
 */
enum Wire {
  OPENAI,
  ANTHROPIC,
  GEMINI;

  /** The header that carries the caller's credential. */
  String credentialHeader() {
    return switch (this) {
      case OPENAI -> "Authorization";
      case ANTHROPIC -> "x-api-key";
      case GEMINI -> "x-goog-api-key";
    };
  }

  /** Refuses a request without a credential, and an Anthropic one without its version header. */
  void authenticate(HttpServerRequest request) {
    String credential = request.getHeader(credentialHeader());
    boolean present = switch (this) {
      case OPENAI -> credential != null && credential.regionMatches(true, 0, "Bearer ", 0, 7) && !credential.substring(7).isBlank();
      case ANTHROPIC, GEMINI -> credential != null && !credential.isBlank();
    };
    if (!present) {
      throw MockFailure.unauthorized(this == OPENAI ? "Authorization: Bearer <key>" : credentialHeader() + ": <key>");
    }
    if (this == ANTHROPIC && request.getHeader("anthropic-version") == null) {
      throw MockFailure.invalidRequest("anthropic-version: header is required", null);
    }
  }

  /** The error body this protocol answers with. */
  JsonObject error(MockFailure failure) {
    return switch (this) {
      case OPENAI -> failure.toJson();
      case ANTHROPIC -> new JsonObject().put("type", "error").put("error", new JsonObject()
          .put("type", anthropicType(failure.status())).put("message", failure.getMessage()));
      case GEMINI -> new JsonObject().put("error", new JsonObject().put("code", failure.status())
          .put("message", failure.getMessage()).put("status", geminiStatus(failure.status())));
    };
  }

  /** The stream event that reports {@code failure} mid-stream. */
  String errorEvent(MockFailure failure) {
    String data = "data: " + error(failure).encode() + "\n\n";
    return this == ANTHROPIC ? "event: error\n" + data : data;
  }

  private static String anthropicType(int status) {
    return switch (status) {
      case 400 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 503, 529 -> "overloaded_error";
      default -> status >= 500 ? "api_error" : "invalid_request_error";
    };
  }

  private static String geminiStatus(int status) {
    return switch (status) {
      case 400 -> "INVALID_ARGUMENT";
      case 401 -> "UNAUTHENTICATED";
      case 403 -> "PERMISSION_DENIED";
      case 404 -> "NOT_FOUND";
      case 429 -> "RESOURCE_EXHAUSTED";
      case 503 -> "UNAVAILABLE";
      default -> status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
    };
  }
}
