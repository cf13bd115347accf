package io.tollgate.config;

import java.util.Map;

/**
 * The admin price multipliers in parts per million (1.0 = 1_000_000): a global one and one per route type.
 * Kept as integers so no floating point ever touches a price.
 */
public record Multipliers(long globalPpm, Map<RouteType, Long> perRouteTypePpm) {
  public static final long ONE = 1_000_000L;

  public long forRouteType(RouteType type) {
    return perRouteTypePpm.getOrDefault(type, ONE);
  }
}
