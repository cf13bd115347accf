package io.tollgate.http;

import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.Map;

/**
 * The errors the connection layer answers on its own, before any route sees a request: bytes that are not
 * HTTP/1.1, a client too slow to send its request, a connection over a cap. Messages never echo the client's bytes.
 */
final class ConnectionErrors {
  /** The longest request line and the largest request head the decoder accepts, in bytes. */
  static final int MAX_REQUEST_LINE_BYTES = 4_096;
  static final int MAX_HEAD_BYTES = 8_192;

  private ConnectionErrors() {}

  /** The answer to a request head the HTTP decoder could not read, named by what was wrong with it. */
  static ApiException malformedHead(Throwable cause) {
    if (cause instanceof TooLongHttpLineException) {
      return new ApiException(414, "invalid_request_error", "request_line_too_long", null,
          "The request line is longer than " + MAX_REQUEST_LINE_BYTES + " bytes.");
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return new ApiException(431, "invalid_request_error", "headers_too_large", null,
          "The request headers are larger than " + MAX_HEAD_BYTES + " bytes in all.");
    }
    return new ApiException(400, "invalid_request_error", "invalid_http_request", null,
        "The request line or a header is not valid HTTP/1.1 (a bad Content-Length, a forbidden character, a"
            + " malformed line...).");
  }

  static ApiException malformedChunk() {
    return new ApiException(400, "invalid_request_error", "invalid_chunked_body", null,
        "The chunked request body is not valid HTTP/1.1 (a chunk size that is not hexadecimal, or a missing line end).");
  }

  static ApiException unsupportedVersion(HttpVersion version) {
    return new ApiException(505, "invalid_request_error", "http_version_not_supported", null,
        "The gateway speaks HTTP/1.1 and HTTP/1.0; this request said " + version.majorVersion() + "."
            + version.minorVersion() + ".");
  }

  static ApiException headerTimeout(long ms) {
    return new ApiException(408, "invalid_request_error", "header_timeout", null,
        "The request head did not arrive within " + ms + " ms; the connection is closed.");
  }

  static ApiException bodyTimeout(long ms) {
    return new ApiException(408, "invalid_request_error", "body_timeout", null,
        "The request body did not arrive within " + ms + " ms of its head; the connection is closed.");
  }

  static ApiException tooManyConnections(int cap) {
    return new ApiException(503, "server_error", "too_many_connections", null,
        "The gateway already has its limit of " + cap + " open connections; retry shortly, or reuse a kept-alive connection.",
        Map.of("retry-after", "1"));
  }

  static ApiException tooManyConnectionsFromAddress(int cap) {
    return new ApiException(429, "rate_limit_exceeded", "too_many_connections_from_address", null,
        "Your address already has its limit of " + cap + " open connections to the gateway; reuse them (keep-alive)"
            + " or close some before opening more.",
        Map.of("retry-after", "1"));
  }
}
