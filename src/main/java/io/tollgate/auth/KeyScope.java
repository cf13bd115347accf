package io.tollgate.auth;

import io.tollgate.config.RouteType;
import java.util.List;

/**
 * What a key may use.
 *
 * @param models allowed catalog model ids; empty means every catalog model
 * @param routeTypes allowed route types in order of preference: {@code [routed, official]} means routed first,
 *     {@code [official]} means official only
 * @param allowBucketChange whether a fallback may move to a leg that pays from another bucket (the route's
 *     policy must allow it too)
 */
public record KeyScope(List<String> models, List<RouteType> routeTypes, boolean allowBucketChange) {
  public static final KeyScope DEFAULT = new KeyScope(List.of(), List.of(RouteType.ROUTED, RouteType.OFFICIAL), false);

  public KeyScope(List<String> models, List<RouteType> routeTypes) {
    this(models, routeTypes, false);
  }

  public KeyScope {
    models = List.copyOf(models);
    routeTypes = List.copyOf(routeTypes);
    if (routeTypes.isEmpty()) {
      throw new IllegalArgumentException("routeTypes: [] (expected: at least one of official, routed)");
    }
    if (routeTypes.stream().distinct().count() != routeTypes.size()) {
      throw new IllegalArgumentException("routeTypes: " + routeTypes + " (expected: no repeats)");
    }
  }

  public boolean allowsModel(String modelId) {
    return models.isEmpty() || models.contains(modelId);
  }
}
