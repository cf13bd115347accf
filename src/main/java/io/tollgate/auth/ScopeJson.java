package io.tollgate.auth;

import io.tollgate.config.Closest;
import io.tollgate.config.RouteType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * The wire and storage form of a {@link KeyScope}: route types by their lower-case names. Request bodies are read
 * field by field with {@code http.JsonBody} (so a wrong type names its field) before they become one of these.
 */
public record ScopeJson(List<String> models, List<String> routeTypes, Boolean allowBucketChange) {
  public ScopeJson(List<String> models, List<String> routeTypes) {
    this(models, routeTypes, null);
  }

  public static ScopeJson of(KeyScope scope) {
    return new ScopeJson(scope.models(), scope.routeTypes().stream().map(RouteType::wireName).toList(), scope.allowBucketChange());
  }

  /**
   * Refuses a model that {@code catalog} (the ids {@code catalogName} serves) does not hold, naming it, what was
   * expected and the closest ids: a key scoped to a mistyped model would be refused every request it makes.
   */
  public void requireServedModels(Collection<String> catalog, String catalogName) {
    for (String model : models == null ? List.<String>of() : models) {
      if (!catalog.contains(model)) {
        throw new IllegalArgumentException("models: '" + model + "' is not a catalog model of " + catalogName
            + " (expected one of: " + String.join(", ", new TreeSet<>(catalog)) + ")." + Closest.hint(model, catalog));
      }
    }
  }

  /** Converts to a scope, failing with a message naming the bad value. */
  public KeyScope toScope() {
    List<RouteType> types = new ArrayList<>();
    for (String name : routeTypes == null ? List.of("routed", "official") : routeTypes) {
      RouteType type = RouteType.parse(name);
      if (type == null) {
        throw new IllegalArgumentException("route_types: '" + name + "' (expected: official or routed)");
      }
      types.add(type);
    }
    if (types.isEmpty()) {
      throw new IllegalArgumentException("route_types: [] (expected: at least one of official, routed)");
    }
    if (types.stream().distinct().count() != types.size()) {
      throw new IllegalArgumentException("route_types: " + routeTypes + " (expected: each at most once)");
    }
    return new KeyScope(models == null ? List.of() : models, types, Boolean.TRUE.equals(allowBucketChange));
  }
}
