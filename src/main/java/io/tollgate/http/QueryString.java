package io.tollgate.http;

import io.vertx.ext.web.RoutingContext;

/**
 * A query string that does not decode (a {@code %} not followed by two hexadecimal digits) is the client's error:
 * refused with 400 before any route reads a parameter, rather than failing inside the route that does.
 */
final class QueryString {
  private QueryString() {}

  static void check(RoutingContext ctx) {
    try {
      ctx.request().params();
    } catch (IllegalArgumentException e) {
      ErrorRenderer.send(ctx.response(), ApiException.invalid(null, "invalid_query_string",
          "The query string is not validly percent-encoded (each '%' must be followed by two hexadecimal digits)."));
      return;
    }
    ctx.next();
  }
}
