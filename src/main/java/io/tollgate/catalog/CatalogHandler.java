package io.tollgate.catalog;

import io.tollgate.auth.ApiKey;
import io.tollgate.auth.KeyAuthenticator;
import io.tollgate.config.CatalogModel;
import io.tollgate.config.ConfigHolder;
import io.tollgate.config.GatewayConfig;
import io.tollgate.config.Leg;
import io.tollgate.config.Price;
import io.tollgate.config.Route;
import io.tollgate.config.RouteType;
import io.tollgate.health.HealthRegistry;
import io.tollgate.http.ErrorRenderer;
import io.tollgate.json.Json;
import io.tollgate.pricing.Costs;
import io.tollgate.receipts.AppliedPrice;
import io.vertx.ext.web.RoutingContext;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/catalog}: every model this key may use, readable by a person: route types in the key's order,
 * the bucket that pays, prices per million tokens after the multipliers in the bucket's currency, the context
 * window, and the primary channel's health.
 */
public final class CatalogHandler {
  private final ConfigHolder config;
  private final KeyAuthenticator auth;
  private final HealthRegistry health;

  public CatalogHandler(ConfigHolder config, KeyAuthenticator auth, HealthRegistry health) {
    this.config = config;
    this.auth = auth;
    this.health = health;
  }

  public void handle(RoutingContext ctx) {
    auth.authenticate(ctx.request().getHeader("authorization"))
        .map(key -> Json.write(Map.of("object", "catalog", "models", models(config.current(), key))))
        .onSuccess(body -> ctx.response().putHeader("content-type", "application/json").end(body))
        .onFailure(e -> ErrorRenderer.send(ctx.response(), e));
  }

  private List<Map<String, Object>> models(GatewayConfig current, ApiKey key) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (CatalogModel model : current.models().values()) {
      if (!key.scope().allowsModel(model.id())) {
        continue;
      }
      List<Map<String, Object>> routes = new ArrayList<>();
      for (RouteType type : key.scope().routeTypes()) {
        Route route = current.route(model.id(), type);
        if (route == null) {
          continue;
        }
        Leg primary = route.legs().get(0);
        Price list = model.prices().getOrDefault(type, primary.price());
        AppliedPrice applied = Costs.applied(list, current.multipliers(), type);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("route_type", type.wireName());
        row.put("bucket", primary.bucket().name());
        row.put("price_per_million_tokens", Map.of(
            "input", decimal(applied.inputMicrosPerMTok()) + " " + primary.bucket().currency(),
            "output", decimal(applied.outputMicrosPerMTok()) + " " + primary.bucket().currency(),
            "cached_input", decimal(applied.cachedInputMicrosPerMTok()) + " " + primary.bucket().currency(),
            "cache_write", decimal(applied.cacheWriteMicrosPerMTok()) + " " + primary.bucket().currency()));
        row.put("backups", route.legs().size() - 1);
        row.put("health", health.summary(current.channel(primary.channelId())));
        routes.add(row);
      }
      if (routes.isEmpty()) {
        continue;
      }
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("id", model.id());
      entry.put("kind", model.embeddings() ? "embeddings" : "chat");
      entry.put("owned_by", model.ownedBy());
      entry.put("context_window", model.contextWindow());
      entry.put("max_output_tokens", model.maxOutputTokens());
      entry.put("routes", routes);
      out.add(entry);
    }
    return out;
  }

  private static String decimal(long micros) {
    return BigDecimal.valueOf(micros, 6).stripTrailingZeros().toPlainString();
  }
}
