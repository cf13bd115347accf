package io.tollgate.ledger.core;

import io.tollgate.config.Leg;
import io.tollgate.config.Price;
import io.tollgate.config.Route;
import java.math.BigInteger;
import java.util.List;

/**
 * The route's fallback policy as rules on which legs may serve: a leg that already failed in this request, a leg
 * of another bucket without the policy's and the key's consent, a leg of the primary's bucket priced above it
 * beyond the policy. Prices of two buckets are in two currencies and are never compared.
 */
public final class SkipRules {
  private static final BigInteger MILLION = BigInteger.valueOf(1_000_000L);

  private SkipRules() {}

  /** Why leg {@code index} may not serve, or null when it may. The primary always may. */
  public static Verdict reason(Route route, boolean keyAllowsBucketChange, List<AdmitRequest.FailedLeg> failed, int index) {
    if (index == 0) {
      return null;
    }
    Leg primary = route.legs().get(0);
    Leg leg = route.legs().get(index);
    for (AdmitRequest.FailedLeg earlier : failed) {
      if (earlier.channelId().equals(leg.channelId()) && earlier.upstreamModel().equals(leg.upstreamModel())) {
        return Verdict.ALREADY_FAILED;
      }
    }
    if (leg.bucket() != primary.bucket()) {
      return route.fallback().allowBucketChange() && keyAllowsBucketChange ? null : Verdict.BUCKET_CHANGE;
    }
    if (costlier(leg.price(), primary.price()) && !route.fallback().allowCostlier()
        && !withinRatio(leg.price(), primary.price(), route.fallback().maxPriceRatioPpm())) {
      return Verdict.COSTLIER;
    }
    return null;
  }

  private static boolean costlier(Price leg, Price primary) {
    return leg.inputMicrosPerMTok() > primary.inputMicrosPerMTok() || leg.outputMicrosPerMTok() > primary.outputMicrosPerMTok()
        || leg.cachedInputMicrosPerMTok() > primary.cachedInputMicrosPerMTok()
        || leg.cacheWriteMicrosPerMTok() > primary.cacheWriteMicrosPerMTok();
  }

  /** Whether no price of {@code leg} exceeds the primary's times {@code ratioPpm}; false when no ratio is set. */
  private static boolean withinRatio(Price leg, Price primary, long ratioPpm) {
    return ratioPpm > 0
        && fits(leg.inputMicrosPerMTok(), primary.inputMicrosPerMTok(), ratioPpm)
        && fits(leg.outputMicrosPerMTok(), primary.outputMicrosPerMTok(), ratioPpm)
        && fits(leg.cachedInputMicrosPerMTok(), primary.cachedInputMicrosPerMTok(), ratioPpm)
        && fits(leg.cacheWriteMicrosPerMTok(), primary.cacheWriteMicrosPerMTok(), ratioPpm);
  }

  private static boolean fits(long leg, long primary, long ratioPpm) {
    return BigInteger.valueOf(leg).multiply(MILLION).compareTo(BigInteger.valueOf(primary).multiply(BigInteger.valueOf(ratioPpm))) <= 0;
  }
}
