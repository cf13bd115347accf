package io.tollgate.ledger.core;

import io.tollgate.config.Multipliers;
import io.tollgate.config.Route;
import io.tollgate.pricing.Demand;
import java.util.List;
import java.util.Objects;

/**
 * One request's leg walk to judge: the route, who asks, what it may cost, and where the walk stands.
 *
 * @param keyAllowsBucketChange the key scope's consent to a leg of another bucket than the primary's
 * @param demand the request's worst case in tokens ({@link Demand#of}); it prices every leg
 * @param fromLeg where the walk resumes: 0 for a new request, the next leg after a failed upstream attempt
 * @param failed the legs whose upstream attempts failed earlier in this request (skipped as already failed); their
 *     number counts against the route's {@code max_attempts}
 */
public record AdmitRequest(String accountId, Route route, boolean keyAllowsBucketChange, Multipliers multipliers,
    Demand demand, LegHealth health, LimitPlanner limits, int fromLeg, List<FailedLeg> failed) {

  public AdmitRequest {
    Objects.requireNonNull(accountId, "accountId");
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(multipliers, "multipliers");
    Objects.requireNonNull(demand, "demand");
    Objects.requireNonNull(health, "health");
    Objects.requireNonNull(limits, "limits");
    if (fromLeg < 0) {
      throw new IllegalArgumentException("fromLeg: " + fromLeg + " (expected: >= 0)");
    }
    failed = List.copyOf(failed);
  }

  /** A new request's walk, from the primary. */
  public static AdmitRequest first(String accountId, Route route, boolean keyAllowsBucketChange, Multipliers multipliers,
      Demand demand, LegHealth health, LimitPlanner limits) {
    return new AdmitRequest(accountId, route, keyAllowsBucketChange, multipliers, demand, health, limits, 0, List.of());
  }

  /** The same walk, asking {@code other} about channel health. */
  public AdmitRequest withHealth(LegHealth other) {
    return new AdmitRequest(accountId, route, keyAllowsBucketChange, multipliers, demand, other, limits, fromLeg, failed);
  }

  /** A leg whose upstream attempt failed in this request: the same channel and upstream model are not tried again. */
  public record FailedLeg(String channelId, String upstreamModel) {}
}
