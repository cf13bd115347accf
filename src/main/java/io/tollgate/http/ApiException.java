package io.tollgate.http;

import java.util.Map;

/**
 * A failure with its HTTP status and OpenAI error {@code type}, {@code code} and {@code param}. Every error a
 * client sees is one of these, rendered by {@link ErrorRenderer}.
 */
public final class ApiException extends RuntimeException {
  private final int status;
  private final String type;
  private final String code;
  private final String param;
  private final Map<String, String> headers;

  public ApiException(int status, String type, String code, String param, String message, Map<String, String> headers) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
    this.headers = headers;
  }

  public ApiException(int status, String type, String code, String param, String message) {
    this(status, type, code, param, message, Map.of());
  }

  public static ApiException invalid(String param, String code, String message) {
    return new ApiException(400, "invalid_request_error", code, param, message);
  }

  public static ApiException unauthorized(String message) {
    return new ApiException(401, "invalid_request_error", "invalid_api_key", null, message);
  }

  public static ApiException forbidden(String code, String param, String message) {
    return new ApiException(403, "permission_error", code, param, message);
  }

  public static ApiException notFound(String code, String param, String message) {
    return new ApiException(404, "invalid_request_error", code, param, message);
  }

  public static ApiException conflict(String code, String message) {
    return new ApiException(409, "invalid_request_error", code, null, message);
  }

  public static ApiException tooLarge(long limitBytes) {
    return new ApiException(413, "invalid_request_error", "request_too_large", null,
        "Request body is larger than the limit of " + limitBytes + " bytes.");
  }

  /** 415: a body declared as something other than JSON, on a gateway whose every body is JSON. */
  public static ApiException unsupportedMediaType(String contentType) {
    String shown = contentType.length() > 100 ? contentType.substring(0, 100) + "..." : contentType;
    return new ApiException(415, "invalid_request_error", "unsupported_media_type", null,
        "Content-Type '" + shown + "' is not supported: send the body as JSON with 'Content-Type: application/json'"
            + " (with curl, add -H 'Content-Type: application/json'; -d alone sends a form).",
        Map.of("connection", "close"));
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  public String code() {
    return code;
  }

  public String param() {
    return param;
  }

  public Map<String, String> headers() {
    return headers;
  }
}
