package io.tollgate.routing;

import io.tollgate.auth.KeyScope;
import io.tollgate.config.CatalogModel;
import io.tollgate.config.Closest;
import io.tollgate.config.GatewayConfig;
import io.tollgate.config.Route;
import io.tollgate.config.RouteType;
import io.tollgate.http.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Picks the route for a request from the key's scope, its route preference and an optional per-request choice. */
public final class RoutePlanner {
  private RoutePlanner() {}

  /**
   * @param requestedType the {@code x-tollgate-route} header value, or null to follow the key's preference
   * @param embeddings whether the request came to the embeddings endpoint
   */
  public static RoutePlan plan(GatewayConfig config, KeyScope scope, String modelId, String requestedType, boolean embeddings) {
    CatalogModel model = config.model(modelId);
    if (model == null) {
      List<String> visible = config.models().keySet().stream().filter(scope::allowsModel).toList();
      String hint = Closest.hint(modelId, visible);
      if (hint.isEmpty()) {
        hint = " List the models you can use with GET /v1/models.";
      }
      throw ApiException.notFound("model_not_found", "model", "The model '" + modelId + "' does not exist." + hint);
    }
    if (!scope.allowsModel(modelId)) {
      throw ApiException.forbidden("model_not_allowed", "model",
          "This API key may not use the model '" + modelId + "'. Allowed: " + String.join(", ", scope.models()) + ".");
    }
    if (model.embeddings() != embeddings) {
      throw ApiException.invalid("model", "model_not_supported",
          "The model '" + modelId + "' is " + (model.embeddings() ? "an embeddings model; use /v1/embeddings."
              : "a chat model; use /v1/chat/completions."));
    }
    List<RouteType> served = config.routeTypes(modelId);
    List<RouteType> candidates = new ArrayList<>();
    if (requestedType != null) {
      RouteType type = RouteType.parse(requestedType);
      if (type == null) {
        throw ApiException.invalid(null, "invalid_route_type",
            "x-tollgate-route: '" + requestedType + "' (expected: official or routed)");
      }
      if (!scope.routeTypes().contains(type)) {
        throw ApiException.forbidden("route_type_not_allowed", null,
            "This API key may not use " + type.wireName() + " routes (allowed: " + names(scope.routeTypes()) + ").");
      }
      candidates.add(type);
    } else {
      candidates.addAll(scope.routeTypes());
    }
    for (RouteType type : candidates) {
      Route route = config.route(modelId, type);
      if (route != null) {
        List<RouteType> others = served.stream().filter(t -> t != type && scope.routeTypes().contains(t)).toList();
        return new RoutePlan(model, route, others);
      }
    }
    throw ApiException.forbidden("route_type_not_allowed", "model", "The model '" + modelId + "' is served by "
        + names(served) + " routes, and this request may use only " + names(candidates) + ".");
  }

  private static String names(List<RouteType> types) {
    return types.stream().map(RouteType::wireName).collect(Collectors.joining(", "));
  }
}
