package io.tollgate.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * Names a request by the pattern of the route it was for ({@code /v1/receipts/:id}, never the id itself), so a
 * metric's labels stay few and carry no identifiers.
 */
final class RoutePatterns {
  static final String UNMATCHED = "unmatched";

  private final List<String[]> patterns = new ArrayList<>();
  private final List<String> names = new ArrayList<>();

  /** Patterns in the router's order; wildcards ({@code /admin/*}) are guards, not endpoints, and are left out. */
  RoutePatterns(List<String> routePaths) {
    for (String path : routePaths) {
      if (path != null && !path.contains("*") && !names.contains(path)) {
        names.add(path);
        patterns.add(segments(path));
      }
    }
  }

  String name(String requestPath) {
    if (requestPath == null) {
      return UNMATCHED;
    }
    String[] parts = segments(requestPath);
    for (int i = 0; i < patterns.size(); i++) {
      if (matches(patterns.get(i), parts)) {
        return names.get(i);
      }
    }
    return UNMATCHED;
  }

  private static boolean matches(String[] pattern, String[] parts) {
    if (pattern.length != parts.length) {
      return false;
    }
    for (int i = 0; i < pattern.length; i++) {
      if (!pattern[i].startsWith(":") && !pattern[i].equals(parts[i])) {
        return false;
      }
      if (pattern[i].startsWith(":") && parts[i].isEmpty()) {
        return false;
      }
    }
    return true;
  }

  private static String[] segments(String path) {
    String trimmed = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
    return trimmed.split("/", -1);
  }
}
