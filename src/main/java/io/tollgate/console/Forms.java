package io.tollgate.console;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Small helpers for form values and query strings. */
final class Forms {
  private Forms() {}

  static String url(String value) {
    return URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8);
  }

  static String text(String value) {
    return value == null ? "" : value.trim();
  }
}
