package io.tollgate.proxy;

import io.tollgate.config.Channel;
import io.tollgate.config.FallbackPolicy;

/**
 * The route's fallback policy applied to one failed attempt: whether it moves the request on to the next leg, and
 * how a skipped leg is described on the receipt. Which legs may serve is the accounting core's rule
 * ({@link io.tollgate.ledger.core.SkipRules}).
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

  public static String describe(String skip, Channel channel) {
    return switch (skip) {
      case "skipped_already_failed" -> "this channel and upstream model already failed in this request";
      case "skipped_bucket_change" -> "the leg pays from another bucket, which the route policy and the key's scope must both allow";
      case "skipped_costlier" -> "the leg costs more than the primary beyond what the route's fallback policy allows";
      case "skipped_circuit_open" -> "channel " + channel.id() + " is unhealthy (circuit open or Retry-After pending)";
      default -> skip;
    };
  }
}
