package io.tollgate.console;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Small helpers for form values and query strings. */
final class Forms {
  private Forms() {}

  static String url(String value) {
    return URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8);
  }

  /**
   * A message for the page a redirect leads to, as query parameters: {@code kind} (notice or error), the text and a
   * signature only this session can make, so that a link from elsewhere cannot put words in the console's mouth.
   */
  static String flash(Session session, String kind, String text) {
    String value = text == null ? "" : text;
    return kind + "=" + url(value) + "&sig=" + sign(session, kind, value);
  }

  /** The message of {@code kind} the query carries, when this session signed it; null otherwise. */
  static String flashed(io.vertx.ext.web.RoutingContext ctx, Session session, String kind) {
    String value = ctx.request().getParam(kind);
    String sig = ctx.request().getParam("sig");
    if (value == null || sig == null) {
      return null;
    }
    return java.security.MessageDigest.isEqual(sig.getBytes(StandardCharsets.US_ASCII),
        sign(session, kind, value).getBytes(StandardCharsets.US_ASCII)) ? value : null;
  }

  private static String sign(Session session, String kind, String value) {
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(session.csrf().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] digest = mac.doFinal((kind + "\n" + value).getBytes(StandardCharsets.UTF_8));
      return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
  }

  static String text(String value) {
    return value == null ? "" : value.trim();
  }
}
