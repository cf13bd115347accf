package io.tollgate.proxy;

import io.tollgate.config.Channel;
import io.tollgate.config.FallbackPolicy;
import io.tollgate.config.Leg;
import io.tollgate.config.Price;
import io.tollgate.config.Route;
import io.tollgate.health.HealthRegistry;
import io.tollgate.receipts.Attempt;
import java.math.BigInteger;

/**
 * The route's fallback policy applied to one request: which failures move on, and which legs may not serve it
 * (priced above the primary beyond what the policy allows, paying from another bucket without both the policy's
 * and the key's consent, or a leg that already failed in this request). Prices are compared only between legs of
 * the same bucket: a leg paying from another bucket than the primary's is judged by the bucket-change rule alone,
 * never by {@code allow_costlier} or {@code max_price_ratio}.
 */
public final class FallbackRules {
  private FallbackRules() {}

  /** Whether {@code failure} moves the request on to the next leg under {@code policy}. */
  static boolean movesOn(FallbackPolicy policy, AttemptFailure failure) {
    String failureClass = failure.failureClass();
    if (failureClass != null && policy.on().contains(failureClass)) {
      return true;
    }
    String code = failure.providerCode();
    return code != null && policy.providerCodes().contains(code);
  }

  /** Why leg {@code index} may not serve this request, as an attempt outcome; null when it may. */
  static String skipReason(Call call, int index) {
    return skipReason(call.plan.route(), call.key.scope(), call.attempts, index);
  }

  /** Why leg {@code index} of {@code route} may not serve a request of a key with {@code scope}, after {@code attempts}. */
  public static String skipReason(Route route, io.tollgate.auth.KeyScope scope, java.util.List<Attempt> attempts, int index) {
    if (index == 0) {
      return null;
    }
    Leg primary = route.legs().get(0);
    Leg leg = route.legs().get(index);
    for (Attempt earlier : attempts) {
      if (earlier.channel().equals(leg.channelId()) && earlier.upstreamModel().equals(leg.upstreamModel())
          && !earlier.outcome().startsWith("skipped_")) {
        return "skipped_already_failed";
      }
    }
    if (leg.bucket() != primary.bucket()) {
      // prices of two buckets are in two currencies: such a leg answers to the bucket-change rule alone
      return route.fallback().allowBucketChange() && scope.allowBucketChange() ? null : "skipped_bucket_change";
    }
    if (costlier(leg.price(), primary.price()) && !route.fallback().allowCostlier()
        && !withinRatio(leg.price(), primary.price(), route.fallback().maxPriceRatioPpm())) {
      return "skipped_costlier";
    }
    return null;
  }

  /** Whether a leg after {@code index} is on a channel that would take a request now. */
  static boolean healthyLegAfter(Call call, int index, HealthRegistry health) {
    return healthyLegAfter(call.config, call.plan.route(), index, health);
  }

  /** Whether a leg of {@code route} after {@code index} is on a channel that would take a request now. */
  public static boolean healthyLegAfter(io.tollgate.config.GatewayConfig config, Route route, int index, HealthRegistry health) {
    var legs = route.legs();
    for (int i = index + 1; i < legs.size(); i++) {
      if (health.available(config.channel(legs.get(i).channelId()))) {
        return true;
      }
    }
    return false;
  }

  public static String describe(String skip, Channel channel) {
    return switch (skip) {
      case "skipped_already_failed" -> "this channel and upstream model already failed in this request";
      case "skipped_bucket_change" -> "the leg pays from another bucket, which the route policy and the key's scope must both allow";
      case "skipped_costlier" -> "the leg costs more than the primary beyond what the route's fallback policy allows";
      case "skipped_circuit_open" -> "channel " + channel.id() + " is unhealthy (circuit open or Retry-After pending)";
      default -> skip;
    };
  }

  /** Whether any price of {@code leg} exceeds the primary's; both must be prices of the same bucket. */
  static boolean costlier(Price leg, Price primary) {
    return leg.inputMicrosPerMTok() > primary.inputMicrosPerMTok() || leg.outputMicrosPerMTok() > primary.outputMicrosPerMTok()
        || leg.cachedInputMicrosPerMTok() > primary.cachedInputMicrosPerMTok();
  }

  /**
   * Whether no price of {@code leg} exceeds the primary's times the ratio (parts per million); false when no ratio is
   * set. Both must be prices of the same bucket.
   */
  static boolean withinRatio(Price leg, Price primary, long ratioPpm) {
    if (ratioPpm <= 0) {
      return false;
    }
    return fits(leg.inputMicrosPerMTok(), primary.inputMicrosPerMTok(), ratioPpm)
        && fits(leg.outputMicrosPerMTok(), primary.outputMicrosPerMTok(), ratioPpm)
        && fits(leg.cachedInputMicrosPerMTok(), primary.cachedInputMicrosPerMTok(), ratioPpm);
  }

  private static boolean fits(long leg, long primary, long ratioPpm) {
    return BigInteger.valueOf(leg).multiply(BigInteger.valueOf(1_000_000L))
        .compareTo(BigInteger.valueOf(primary).multiply(BigInteger.valueOf(ratioPpm))) <= 0;
  }
}
