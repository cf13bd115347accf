package io.tollgate.auth;

import io.tollgate.config.RouteType;
import java.util.ArrayList;
import java.util.List;

/** The wire and storage form of a {@link KeyScope}: route types by their lower-case names. */
public record ScopeJson(List<String> models, List<String> routeTypes, Boolean allowBucketChange) {
  public ScopeJson(List<String> models, List<String> routeTypes) {
    this(models, routeTypes, null);
  }

  public static ScopeJson of(KeyScope scope) {
    return new ScopeJson(scope.models(), scope.routeTypes().stream().map(RouteType::wireName).toList(), scope.allowBucketChange());
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
    return new KeyScope(models == null ? List.of() : models, types, Boolean.TRUE.equals(allowBucketChange));
  }
}
