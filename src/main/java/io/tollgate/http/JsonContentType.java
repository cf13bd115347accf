package io.tollgate.http;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;

/**
 * Every body the gateway reads is JSON, so a POST, PUT or PATCH whose body declares another media type is refused
 * with 415 before its body is read or its route runs. {@code application/json} may carry parameters; a charset, if
 * named, must be UTF-8 (the only encoding JSON allows). A body without a Content-Type is read as JSON: the OpenAI
 * SDKs always send one, and a client that omits it still gets its JSON parsed or a 400 saying it is not JSON.
 * The console ({@code /console/...}) is the exception: its pages post HTML forms.
 */
final class JsonContentType {
  private JsonContentType() {}

  static void check(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String contentType = request.getHeader("content-type");
    // the console's pages post HTML forms; it checks what it reads itself
    // (the path as the router routes it: a raw path with dot segments must not pass for the console's)
    boolean console = ctx.normalizedPath().startsWith("/console/");
    if (!console && carriesBody(request) && contentType != null && !isJson(contentType)) {
      ApiException error = ApiException.unsupportedMediaType(contentType);
      if (request.path().startsWith("/v1/messages")) {
        // the Messages routes answer in Anthropic's shape: their failure handler renders it
        ctx.fail(error);
      } else {
        ErrorRenderer.send(ctx.response(), error);
      }
      return;
    }
    ctx.next();
  }

  private static boolean carriesBody(HttpServerRequest request) {
    HttpMethod method = request.method();
    if (method != HttpMethod.POST && method != HttpMethod.PUT && method != HttpMethod.PATCH) {
      return false;
    }
    String length = request.getHeader("content-length");
    return request.getHeader("transfer-encoding") != null || (length != null && !length.trim().equals("0"));
  }

  static boolean isJson(String contentType) {
    String[] parts = contentType.split(";");
    if (!parts[0].trim().toLowerCase(Locale.ROOT).equals("application/json")) {
      return false;
    }
    for (int i = 1; i < parts.length; i++) {
      String[] parameter = parts[i].split("=", 2);
      if (parameter[0].trim().equalsIgnoreCase("charset")) {
        String charset = parameter.length < 2 ? "" : parameter[1].trim().replace("\"", "").toLowerCase(Locale.ROOT);
        if (!charset.equals("utf-8") && !charset.equals("utf8")) {
          return false;
        }
      }
    }
    return true;
  }
}
