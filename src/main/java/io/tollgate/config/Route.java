package io.tollgate.config;

import java.util.List;

/** How one catalog model is served for one route type: ordered legs, the first the primary, and its fallback policy. */
public record Route(String model, RouteType type, List<Leg> legs, FallbackPolicy fallback) {

  public int maxAttempts() {
    return fallback.maxAttempts();
  }

  /** "primary" for the first leg, "backup-N" for the others. */
  public static String legLabel(int index) {
    return index == 0 ? "primary" : "backup-" + index;
  }
}
