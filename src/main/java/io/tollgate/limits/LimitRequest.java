package io.tollgate.limits;

import io.tollgate.config.Bucket;
import io.tollgate.config.RouteType;
import io.tollgate.http.ApiException;
import io.tollgate.json.Ids;
import io.tollgate.ledger.Money;
import io.vertx.core.json.JsonObject;
import java.util.Locale;

/** Reads a limit definition from an API body, refusing anything incomplete with the parameter to fix. */
final class LimitRequest {
  private LimitRequest() {}

  static Limit parse(JsonObject body, Scope scope, String subject, String source, long nowMs) {
    Metric metric = Metric.parse(text(body, "metric"));
    if (metric == null) {
      throw ApiException.invalid("metric", "invalid_value", "'metric' must be spend, tokens or requests.");
    }
    Window window = Window.parse(text(body, "window"));
    if (window == null) {
      throw ApiException.invalid("window", "invalid_value", "'window' must be minute, day, month or lifetime.");
    }
    Bucket bucket = null;
    long cap;
    if (metric == Metric.SPEND) {
      String name = text(body, "bucket");
      try {
        bucket = Bucket.valueOf(name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw ApiException.invalid("bucket", "invalid_value", "'bucket' must be CREDIT or RMB.");
      }
      cap = Money.parse(body.getValue("cap_micros"), body.getValue("cap"), "cap");
    } else {
      Object value = body.getValue("cap");
      if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < 0) {
        throw ApiException.invalid("cap", "invalid_value", "'cap' must be a whole number of " + metric.wireName() + " (>= 0).");
      }
      cap = ((Number) value).longValue();
    }
    String model = body.getString("model");
    RouteType routeType = null;
    if (scope == Scope.ROUTE_KEY || scope == Scope.ROUTE_PROJECT) {
      if (model == null || model.isBlank()) {
        throw ApiException.invalid("model", "missing_required_parameter", "A route limit needs 'model' and 'route_type'.");
      }
      routeType = RouteType.parse(text(body, "route_type"));
      if (routeType == null) {
        throw ApiException.invalid("route_type", "invalid_value", "'route_type' must be official or routed.");
      }
    } else {
      model = null;
    }
    return new Limit(Ids.next("lim", nowMs), scope, subject, model, routeType, null, metric, bucket, window, cap, false, source);
  }

  static String text(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (!(value instanceof String s) || s.isBlank()) {
      throw ApiException.invalid(field, "missing_required_parameter", "'" + field + "' is required.");
    }
    return s;
  }
}
