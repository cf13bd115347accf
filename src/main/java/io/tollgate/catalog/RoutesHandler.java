package io.tollgate.catalog;

import io.tollgate.auth.ApiKey;
import io.tollgate.auth.KeyAuthenticator;
import io.tollgate.config.CatalogModel;
import io.tollgate.config.Closest;
import io.tollgate.config.ConfigHolder;
import io.tollgate.config.GatewayConfig;
import io.tollgate.config.Route;
import io.tollgate.config.RouteType;
import io.tollgate.health.HealthRegistry;
import io.tollgate.http.ApiException;
import io.tollgate.http.ErrorRenderer;
import io.tollgate.json.Json;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/routes/{model}}: the route types this key may use for a model, each route's legs in order
 * (public channel label, upstream model, bucket, prices after the multipliers), its fallback policy and a
 * health summary per leg.
 */
public final class RoutesHandler {
  private final ConfigHolder config;
  private final KeyAuthenticator auth;
  private final HealthRegistry health;

  public RoutesHandler(ConfigHolder config, KeyAuthenticator auth, HealthRegistry health) {
    this.config = config;
    this.auth = auth;
    this.health = health;
  }

  public void handle(RoutingContext ctx) {
    String id = ctx.pathParam("model");
    auth.authenticate(ctx.request().getHeader("authorization"))
        .map(key -> Json.write(describe(config.current(), key, id)))
        .onSuccess(body -> ctx.response().putHeader("content-type", "application/json").end(body))
        .onFailure(e -> ErrorRenderer.send(ctx.response(), e));
  }

  private Map<String, Object> describe(GatewayConfig current, ApiKey key, String id) {
    CatalogModel model = current.model(id);
    if (model == null || !key.scope().allowsModel(id)) {
      throw ApiException.notFound("model_not_found", "model", "The model '" + id + "' does not exist or this key may not use it."
          + Closest.hint(id, current.models().keySet().stream().filter(key.scope()::allowsModel).toList()));
    }
    List<Map<String, Object>> routes = new ArrayList<>();
    for (RouteType type : key.scope().routeTypes()) {
      Route route = current.route(id, type);
      if (route != null) {
        routes.add(route(current, route));
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("object", "route_plan");
    out.put("model", id);
    out.put("preference", key.scope().routeTypes().stream().map(RouteType::wireName).toList());
    out.put("routes", routes);
    return out;
  }

  private Map<String, Object> route(GatewayConfig current, Route route) {
    List<Map<String, Object>> legs = new ArrayList<>();
    for (int i = 0; i < route.legs().size(); i++) {
      Map<String, Object> row = LegView.of(current, route, i);
      row.put("health", health.summary(current.channel(route.legs().get(i).channelId())));
      legs.add(row);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("type", route.type().wireName());
    out.put("legs", legs);
    out.put("fallback", Map.of(
        "on", route.fallback().on(),
        "provider_codes", route.fallback().providerCodes(),
        "max_attempts", route.fallback().maxAttempts(),
        "allow_costlier", route.fallback().allowCostlier(),
        "max_price_ratio_ppm", route.fallback().maxPriceRatioPpm(),
        "allow_bucket_change", route.fallback().allowBucketChange()));
    return out;
  }
}
