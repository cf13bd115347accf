package io.tollgate.proxy;

import io.vertx.core.buffer.Buffer;

/**
 * Why one upstream attempt failed, in the receipt's words ({@code outcome}), and whether the fallback policy
 * may move on to the next leg. A failure the request itself caused (an upstream 4xx other than 429) is not
 * retryable: another leg would refuse it too, and the client must see it.
 */
final class AttemptFailure extends RuntimeException {
  private final String outcome;
  private final Integer status;
  private final boolean retryable;
  private final Buffer upstreamBody;
  private long retryAfterSeconds = -1;

  AttemptFailure(String outcome, Integer status, boolean retryable, String message, Buffer upstreamBody) {
    super(message, null, false, false);
    this.outcome = outcome;
    this.status = status;
    this.retryable = retryable;
    this.upstreamBody = upstreamBody;
  }

  static AttemptFailure retryable(String outcome, String message) {
    return new AttemptFailure(outcome, null, true, message, null);
  }

  /** Classifies a non-2xx upstream answer: 429 and 5xx move on, any other status is the request's own fault. */
  static AttemptFailure fromStatus(int status, Buffer body) {
    if (status == 429) {
      return new AttemptFailure("http_429", status, true, "upstream rate limited the request (429)", body);
    }
    if (status >= 500) {
      return new AttemptFailure("http_5xx", status, true, "upstream failed with " + status, body);
    }
    if (status == 401 || status == 403) {
      // the channel's own credential was refused: the channel's fault, never shown to the client as theirs
      return new AttemptFailure("upstream_auth", status, true, "the upstream refused the channel's credential (" + status + ")", null);
    }
    return new AttemptFailure("http_4xx", status, false, "upstream refused the request with " + status, body);
  }

  /** The upstream's Retry-After in seconds, or -1. */
  long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  AttemptFailure retryAfter(String header) {
    if (header != null) {
      try {
        retryAfterSeconds = Long.parseLong(header.trim());
      } catch (NumberFormatException ignored) {
        // an HTTP date: not honoured, the breaker still protects the channel
      }
    }
    return this;
  }

  /** The upstream's {@code error.code}, when its body carried one. */
  String providerCode() {
    try {
      io.vertx.core.json.JsonObject error = upstreamBody == null ? null : upstreamBody.toJsonObject().getJsonObject("error");
      Object code = error == null ? null : error.getValue("code");
      return code == null ? null : String.valueOf(code);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The fallback policy's class of this failure, or null for a failure the request caused. */
  String failureClass() {
    return switch (outcome) {
      case "connect_error", "timeout_connect" -> "connect_error";
      case "timeout_first_byte", "timeout_idle", "timeout_total" -> "timeout";
      case "http_429" -> "http_429";
      case "http_5xx", "upstream_auth" -> "http_5xx";
      case "malformed_response", "stream_broken" -> "malformed";
      default -> null;
    };
  }

  String outcome() {
    return outcome;
  }

  Integer status() {
    return status;
  }

  boolean isRetryable() {
    return retryable;
  }

  Buffer upstreamBody() {
    return upstreamBody;
  }

  boolean isTimeout() {
    return outcome.startsWith("timeout");
  }
}
