package io.tollgate.config;

import java.util.Set;

/**
 * When a route moves on to its next leg, and which legs it may move on to.
 *
 * @param on failure classes that move on: {@code connect_error}, {@code timeout}, {@code http_429},
 *     {@code http_5xx}, {@code malformed}; a 4xx the request caused never does
 * @param providerCodes upstream error codes (the {@code error.code} of a 4xx answer) that move on all the same,
 *     such as a provider's own "overloaded" code
 * @param maxAttempts upstream attempts per request, at most
 * @param allowCostlier whether a backup priced above the primary may serve; only a backup of the primary's
 *     bucket is compared, since prices of two buckets are in two currencies
 * @param maxPriceRatioPpm when above zero, a costlier backup of the primary's bucket may serve if none of its
 *     prices exceeds the primary's by more than this ratio (parts per million; 1.5 = 1_500_000)
 * @param allowBucketChange whether a backup paying from another bucket than the primary may serve; the key's
 *     scope must allow it too. Such a backup answers to this rule alone, never to the two above
 */
public record FallbackPolicy(
    Set<String> on,
    Set<String> providerCodes,
    int maxAttempts,
    boolean allowCostlier,
    long maxPriceRatioPpm,
    boolean allowBucketChange) {

  public static final Set<String> CLASSES = Set.of("connect_error", "timeout", "http_429", "http_5xx", "malformed");

  public static FallbackPolicy defaults(int legs) {
    return new FallbackPolicy(CLASSES, Set.of(), legs, false, 0, false);
  }
}
