package io.tollgate.limits;

import io.tollgate.config.Bucket;
import io.tollgate.config.RouteType;
import io.tollgate.http.ApiException;
import io.tollgate.http.JsonBody;
import io.tollgate.json.Ids;
import io.tollgate.ledger.Money;
import java.util.Locale;

/** Reads a limit definition from an API body, refusing anything incomplete with the parameter to fix. */
final class LimitRequest {
  private LimitRequest() {}

  static Limit parse(JsonBody body, Scope scope, String subject, String source, long nowMs) {
    Metric metric = Metric.parse(body.text("metric", "spend, tokens or requests"));
    if (metric == null) {
      throw ApiException.invalid("metric", "invalid_value", "'metric' must be spend, tokens or requests.");
    }
    Window window = Window.parse(body.text("window", "minute, day, month or lifetime"));
    if (window == null || window == Window.RUN) {
      throw ApiException.invalid("window", "invalid_value", "'window' must be minute, day, month or lifetime.");
    }
    Bucket bucket = null;
    long cap;
    if (metric == Metric.SPEND) {
      String name = body.text("bucket", "CREDIT or RMB");
      try {
        bucket = Bucket.valueOf(name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw ApiException.invalid("bucket", "invalid_value", "'bucket' must be CREDIT or RMB.");
      }
      cap = Money.parse(body, "cap_micros", "cap");
    } else {
      cap = body.integer("cap", "a whole number of " + metric.wireName() + ", >= 0");
      if (cap < 0) {
        throw ApiException.invalid("cap", "invalid_value", "'cap': " + cap + " (expected: a whole number of "
            + metric.wireName() + ", >= 0)");
      }
    }
    String model = body.optionalText("model", "a catalog model id");
    RouteType routeType = null;
    if (scope == Scope.ROUTE_KEY || scope == Scope.ROUTE_PROJECT) {
      if (model == null || model.isBlank()) {
        throw ApiException.invalid("model", "missing_required_parameter",
            "A route limit needs 'model' and 'route_type' (expected: a catalog model id).");
      }
      routeType = RouteType.parse(body.text("route_type", "official or routed"));
      if (routeType == null) {
        throw ApiException.invalid("route_type", "invalid_value", "'route_type' must be official or routed.");
      }
    } else {
      model = null;
    }
    return new Limit(Ids.next("lim", nowMs), scope, subject, model, routeType, null, metric, bucket, window, cap, false, source);
  }
}
