package io.tollgate.ledger.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.config.FallbackPolicy;
import io.tollgate.config.Leg;
import io.tollgate.config.Price;
import io.tollgate.config.Route;
import io.tollgate.config.RouteType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Prices are compared only between legs of one bucket; a leg of another bucket answers to the bucket-change rule alone. */
class SkipRulesTest {
  private static final boolean MAY_CHANGE_BUCKET = true;
  private static final boolean MAY_NOT_CHANGE_BUCKET = false;

  /** Primary: 1 CNY in, 2 CNY out per million tokens. */
  private static final Leg PRIMARY = new Leg("main", "up", price(1_000_000, 2_000_000), Bucket.RMB);
  /** Same bucket, five times the primary's prices. */
  private static final Leg COSTLIER_SAME_BUCKET = new Leg("spare", "up-costly", price(5_000_000, 10_000_000), Bucket.RMB);
  /** Another bucket whose numbers (USD) are larger than the primary's (CNY): it looks costlier, and is not judged by that. */
  private static final Leg LARGER_NUMBERS_OTHER_BUCKET = new Leg("spare", "up-usd", price(3_000_000, 6_000_000), Bucket.CREDIT);
  /** Another bucket whose numbers (USD) are smaller than the primary's (CNY): it looks cheaper, and is not judged by that either. */
  private static final Leg SMALLER_NUMBERS_OTHER_BUCKET = new Leg("spare", "up-usd-small", price(200_000, 400_000), Bucket.CREDIT);

  @Test
  void aLegOfAnotherBucketIsNotSkippedAsCostlierWhenTheBucketChangeIsAllowed() {
    Route route = route(policy(false, 0, true), LARGER_NUMBERS_OTHER_BUCKET);

    assertThat(skip(route, MAY_CHANGE_BUCKET, 1)).isNull();
  }

  @Test
  void aLegOfAnotherBucketIsNotMeasuredAgainstThePriceRatio() {
    Route route = route(policy(false, 1_500_000, true), LARGER_NUMBERS_OTHER_BUCKET);

    assertThat(skip(route, MAY_CHANGE_BUCKET, 1)).isNull();
  }

  @Test
  void aLegOfAnotherBucketIsSkippedForTheBucketChangeHoweverCheapItsNumbersLook() {
    Route allowedByRouteOnly = route(policy(false, 0, true), SMALLER_NUMBERS_OTHER_BUCKET);
    Route forbiddenByRoute = route(policy(true, 0, false), SMALLER_NUMBERS_OTHER_BUCKET, LARGER_NUMBERS_OTHER_BUCKET);

    assertThat(skip(allowedByRouteOnly, MAY_NOT_CHANGE_BUCKET, 1)).isEqualTo("skipped_bucket_change");
    assertThat(skip(forbiddenByRoute, MAY_CHANGE_BUCKET, 1)).isEqualTo("skipped_bucket_change");
    assertThat(skip(forbiddenByRoute, MAY_CHANGE_BUCKET, 2)).isEqualTo("skipped_bucket_change");
    assertThat(skip(allowedByRouteOnly, MAY_CHANGE_BUCKET, 1)).isNull();
  }

  @Test
  void aCostlierLegOfTheSameBucketIsStillJudgedByPrice() {
    Route strict = route(policy(false, 0, true), LARGER_NUMBERS_OTHER_BUCKET, COSTLIER_SAME_BUCKET);
    Route withinRatio = route(policy(false, 5_000_000, true), COSTLIER_SAME_BUCKET);
    Route beyondRatio = route(policy(false, 4_999_999, true), COSTLIER_SAME_BUCKET);
    Route allowed = route(policy(true, 0, false), COSTLIER_SAME_BUCKET);

    assertThat(skip(strict, MAY_CHANGE_BUCKET, 2)).isEqualTo("skipped_costlier");
    assertThat(skip(withinRatio, MAY_CHANGE_BUCKET, 1)).isNull();
    assertThat(skip(beyondRatio, MAY_CHANGE_BUCKET, 1)).isEqualTo("skipped_costlier");
    assertThat(skip(allowed, MAY_NOT_CHANGE_BUCKET, 1)).isNull();
  }

  private static String skip(Route route, boolean keyAllowsBucketChange, int index) {
    Verdict verdict = SkipRules.reason(route, keyAllowsBucketChange, List.of(), index);
    return verdict == null ? null : verdict.outcome();
  }

  private static Route route(FallbackPolicy policy, Leg... backups) {
    List<Leg> legs = new java.util.ArrayList<>(List.of(PRIMARY));
    legs.addAll(List.of(backups));
    return new Route("m", RouteType.ROUTED, List.copyOf(legs), policy);
  }

  private static FallbackPolicy policy(boolean allowCostlier, long maxPriceRatioPpm, boolean allowBucketChange) {
    return new FallbackPolicy(FallbackPolicy.CLASSES, java.util.Set.of(), 4, allowCostlier, maxPriceRatioPpm, allowBucketChange);
  }

  private static Price price(long inputMicros, long outputMicros) {
    return new Price(inputMicros, outputMicros, inputMicros, inputMicros);
  }
}
