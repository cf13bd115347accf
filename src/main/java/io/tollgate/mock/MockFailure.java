package io.tollgate.mock;

import io.vertx.core.json.JsonObject;

/**
 * A failure the mock answers with an OpenAI-shaped error body. Every error the mock sends, scripted
 * or not, is one of these, so clients under test always see the same shape.
 */
final class MockFailure extends RuntimeException {

  private final int status;
  private final String type;
  private final String code;
  private final String param;

  private MockFailure(int status, String message, String type, String code, String param) {
    // Control flow, not a bug: a stack trace would only cost time.
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
  }

  static MockFailure invalidRequest(String message, String param) {
    return new MockFailure(400, message, "invalid_request_error", null, param);
  }

  static MockFailure unauthorized() {
    return unauthorized("Authorization: Bearer <key>");
  }

  /** No credential where {@code how} says it goes. */
  static MockFailure unauthorized(String how) {
    return new MockFailure(401, "You didn't provide an API key. Send it as '" + how + "'.",
        "invalid_request_error", "missing_api_key", null);
  }

  static MockFailure notFound(String route) {
    return new MockFailure(404, "Unknown request URL: " + route, "invalid_request_error",
        "unknown_url", null);
  }

  static MockFailure internal(Throwable cause) {
    return new MockFailure(500, "The mock upstream failed: " + cause, "server_error", null, null);
  }

  /** The error a real provider sends with this status, as asked for by {@code status=N}. */
  static MockFailure scripted(int status) {
    String message = "Simulated upstream error with status " + status + ".";
    if (status == 429) {
      // OpenAI names the exhausted limit in "type" and puts the stable marker in "code".
      return new MockFailure(status, message, "requests", "rate_limit_exceeded", null);
    }
    if (status >= 500) {
      return new MockFailure(status, message, "server_error", null, null);
    }
    return new MockFailure(status, message, "invalid_request_error", null, null);
  }

  /**
   * The error a relay sends when its provider gives up partway, as {@code error_after=N} asks for.
   * It travels inside a 200 (an SSE event or the body), so its own status is never sent.
   */
  static MockFailure overloaded() {
    return new MockFailure(503, "The upstream is overloaded and stopped generating.",
        "server_error", "upstream_overloaded", null);
  }

  /** This failure with the request's Authorization echoed into its message when the settings ask for it. */
  MockFailure echoed(MockSettings settings) {
    return new MockFailure(status, settings.echoed(getMessage()), type, code, param);
  }

  int status() {
    return status;
  }

  JsonObject toJson() {
    return new JsonObject().put("error", new JsonObject()
        .put("message", getMessage())
        .put("type", type)
        .put("param", param)
        .put("code", code));
  }
}
