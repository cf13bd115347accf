package io.tollgate.limits;

import io.tollgate.config.Bucket;
import io.tollgate.config.RouteType;

/**
 * A cap on one metric over one window for one scope.
 *
 * @param id stable across reloads: configured limits derive it from their shape, stored ones are generated
 * @param subject the account, project or key id for tenant scopes; for configured route and channel limits
 *     null, meaning operator-wide unless {@code perAccount}
 * @param model the catalog model for route scopes
 * @param routeType the route type for route scopes
 * @param channel the channel for the channel scope
 * @param bucket the bucket whose micro-units a spend limit counts
 * @param perAccount for configured limits: a default that applies to each account separately
 * @param source {@code config}, {@code admin} or {@code owner}
 */
public record Limit(
    String id,
    Scope scope,
    String subject,
    String model,
    RouteType routeType,
    String channel,
    Metric metric,
    Bucket bucket,
    Window window,
    long cap,
    boolean perAccount,
    String source) {

  /** {@code route_daily_spend}: the refusal code stem and the header value. */
  public String label() {
    return scope.wireName() + "_" + window.adjective() + "_" + metric.wireName();
  }

  /** A readable description, for messages. */
  public String describe() {
    StringBuilder out = new StringBuilder(scope.wireName().replace('_', ' '));
    if (model != null) {
      out.append(' ').append(model).append(routeType == null ? "" : " (" + routeType.wireName() + ")");
    }
    if (channel != null) {
      out.append(' ').append(channel);
    }
    out.append(' ').append(window.adjective()).append(' ').append(metric.wireName());
    if (bucket != null) {
      out.append(" in ").append(bucket);
    }
    return out.toString();
  }
}
