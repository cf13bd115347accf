package io.tollgate.routing;

import io.tollgate.config.CatalogModel;
import io.tollgate.config.Route;
import io.tollgate.config.RouteType;
import java.util.List;

/**
 * The plan for one request: the catalog model, the chosen route and the other route types this key could
 * have used for it (shown in quotes and errors, never used implicitly: buckets do not mix).
 */
public record RoutePlan(CatalogModel model, Route route, List<RouteType> alternatives) {}
