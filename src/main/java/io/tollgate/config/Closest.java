package io.tollgate.config;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** Finds the known names closest to a mistyped one, for "did you mean" hints. */
public final class Closest {
  private Closest() {}

  /** " Did you mean 'a' or 'b'?" for the known names closest to {@code name}, or "" when none is close. */
  public static String hint(String name, Collection<String> known) {
    List<String> closest = top(name, known, 3);
    return closest.isEmpty() ? "" : " Did you mean '" + String.join("' or '", closest) + "'?";
  }

  /** The single closest name, or null when none is reasonably close. */
  public static String of(String name, Collection<String> known) {
    List<String> best = top(name, known, 1);
    return best.isEmpty() ? null : best.get(0);
  }

  /** Up to {@code limit} known names ordered by edit distance, dropping those that share too little. */
  public static List<String> top(String name, Collection<String> known, int limit) {
    String lower = name.toLowerCase(Locale.ROOT);
    return known.stream()
        .filter(k -> distance(lower, k.toLowerCase(Locale.ROOT)) <= Math.max(3, k.length() / 2)
            || k.toLowerCase(Locale.ROOT).contains(lower) || lower.contains(k.toLowerCase(Locale.ROOT)))
        .sorted(Comparator.comparingInt((String k) -> distance(lower, k.toLowerCase(Locale.ROOT))).thenComparing(k -> k))
        .limit(limit)
        .toList();
  }

  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
