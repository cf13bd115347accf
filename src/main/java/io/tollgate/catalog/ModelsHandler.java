package io.tollgate.catalog;

import io.tollgate.auth.ApiKey;
import io.tollgate.auth.KeyAuthenticator;
import io.tollgate.config.CatalogModel;
import io.tollgate.config.ConfigHolder;
import io.tollgate.config.GatewayConfig;
import io.tollgate.config.Price;
import io.tollgate.config.Route;
import io.tollgate.config.RouteType;
import io.tollgate.http.ApiException;
import io.tollgate.http.ErrorRenderer;
import io.tollgate.pricing.Costs;
import io.tollgate.receipts.AppliedPrice;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{id}}: only the models the calling key may use, in the
 * OpenAI shape, with Tollgate's route types, buckets and prices (after the multipliers) under {@code tollgate}.
 */
public final class ModelsHandler {
  private final ConfigHolder config;
  private final KeyAuthenticator auth;
  private final long createdEpochSeconds;

  public ModelsHandler(ConfigHolder config, KeyAuthenticator auth, long createdEpochSeconds) {
    this.config = config;
    this.auth = auth;
    this.createdEpochSeconds = createdEpochSeconds;
  }

  public void list(RoutingContext ctx) {
    auth.authenticate(ctx.request().getHeader("authorization")).onComplete(result -> {
      if (result.failed()) {
        ErrorRenderer.send(ctx.response(), result.cause());
        return;
      }
      GatewayConfig current = config.current();
      JsonArray data = new JsonArray();
      for (CatalogModel model : current.models().values()) {
        JsonObject entry = entry(current, model, result.result());
        if (entry != null) {
          data.add(entry);
        }
      }
      ctx.response().putHeader("content-type", "application/json")
          .end(new JsonObject().put("object", "list").put("data", data).encode());
    });
  }

  public void one(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    auth.authenticate(ctx.request().getHeader("authorization")).onComplete(result -> {
      if (result.failed()) {
        ErrorRenderer.send(ctx.response(), result.cause());
        return;
      }
      GatewayConfig current = config.current();
      CatalogModel model = current.model(id);
      JsonObject entry = model == null ? null : entry(current, model, result.result());
      if (entry == null) {
        String hint = io.tollgate.config.Closest.hint(id, current.models().keySet().stream()
            .filter(m -> entry(current, current.model(m), result.result()) != null).toList());
        ErrorRenderer.send(ctx.response(), ApiException.notFound("model_not_found", "model",
            "The model '" + id + "' does not exist or this key may not use it." + hint));
        return;
      }
      ctx.response().putHeader("content-type", "application/json").end(entry.encode());
    });
  }

  /** The model as this key sees it, or null when the key may use none of its routes. */
  private JsonObject entry(GatewayConfig config, CatalogModel model, ApiKey key) {
    if (!key.scope().allowsModel(model.id())) {
      return null;
    }
    JsonArray routes = new JsonArray();
    for (RouteType type : key.scope().routeTypes()) {
      Route route = config.route(model.id(), type);
      if (route == null) {
        continue;
      }
      Price list = model.prices().getOrDefault(type, route.legs().get(0).price());
      AppliedPrice applied = Costs.applied(list, config.multipliers(), type);
      routes.add(new JsonObject()
          .put("type", type.wireName())
          .put("bucket", route.legs().get(0).bucket().name())
          .put("currency", route.legs().get(0).bucket().currency())
          .put("legs", route.legs().size())
          .put("price", new JsonObject()
              .put("unit", "micros per 1M tokens")
              .put("input", applied.inputMicrosPerMTok())
              .put("output", applied.outputMicrosPerMTok())
              .put("cached_input", applied.cachedInputMicrosPerMTok())
              .put("cache_write", applied.cacheWriteMicrosPerMTok())));
    }
    if (routes.isEmpty()) {
      return null;
    }
    return new JsonObject()
        .put("id", model.id())
        .put("object", "model")
        .put("created", createdEpochSeconds)
        .put("owned_by", model.ownedBy())
        .put("tollgate", new JsonObject()
            .put("kind", model.embeddings() ? "embeddings" : "chat")
            .put("context_window", model.contextWindow())
            .put("max_output_tokens", model.maxOutputTokens())
            .put("routes", routes));
  }
}
