package io.tollgate.ledger.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.config.FallbackPolicy;
import io.tollgate.config.Leg;
import io.tollgate.config.Multipliers;
import io.tollgate.config.Price;
import io.tollgate.config.Route;
import io.tollgate.config.RouteType;
import io.tollgate.limits.Limit;
import io.tollgate.limits.Metric;
import io.tollgate.limits.Scope;
import io.tollgate.limits.Window;
import io.tollgate.pricing.Demand;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The core's rules, one behaviour at a time. */
class AccountingCoreTest {
  private static final Multipliers ONE = new Multipliers(1_000_000, Map.of());
  /** 1,000 prompt tokens held, 1,000 output: 2,000 tokens, costing 2,000 x the per-token price. */
  private static final Demand DEMAND = new Demand(900, 1_000, 1_000, 1_000, 1_000, 1_000);
  private static final Price PRICE = new Price(1_000_000, 1_000_000, 1_000_000, 1_000_000);
  private static final Leg PRIMARY = new Leg("ch-a", "up-a", PRICE, Bucket.RMB);
  private static final Leg BACKUP = new Leg("ch-b", "up-b", PRICE, Bucket.RMB);

  private final AccountingCore core = new AccountingCore();

  @Test
  void chargesWhatTheWalletCanPayWhenUsageExceedsTheHold() {
    core.topUp("t", "acct", Bucket.RMB, 2_500);
    Hold hold = (Hold) core.reserve(new Attempt("h", "r", "acct", Bucket.RMB, 2_000, List.of(), 0));
    Posting posting = (Posting) core.post("h", 3_000, 10);
    assertThat(posting.chargedMicros()).isEqualTo(2_500);
    assertThat(posting.uncollectedMicros()).isEqualTo(500);
    assertThat(posting.excessMicros()).isEqualTo(1_000);
    assertThat(posting.entries()).extracting(Entry::amountMicros).containsExactly(-2_500L, 2_500L);
    assertThat(core.post(hold.id(), 3_000, 10)).isEqualTo(new NotPending("h"));
    assertThat(core.walletState("acct", Bucket.RMB).balanceMicros()).isZero();
  }

  @Test
  void aRunsEnvelopeIsNeverPassedNotEvenByUsageBeyondTheHold() {
    core.topUp("t", "acct", Bucket.RMB, 100_000);
    Limit envelope = new Limit("env", Scope.ACCOUNT, null, null, null, null, Metric.SPEND, Bucket.RMB, Window.RUN, 5_000,
        false, "run");
    Limit ordinary = new Limit("ord", Scope.ACCOUNT, null, null, null, null, Metric.SPEND, Bucket.RMB, Window.LIFETIME, 5_000,
        false, "admin");
    core.reserve(new Attempt("other", "r0", "acct", Bucket.RMB, 1_000,
        List.of(new PlannedLimit(envelope, "env|run1|run", 1_000, null), new PlannedLimit(ordinary, "ord|acct|all", 1_000, null)), 0));
    core.reserve(new Attempt("h", "r1", "acct", Bucket.RMB, 3_000,
        List.of(new PlannedLimit(envelope, "env|run1|run", 3_000, null), new PlannedLimit(ordinary, "ord|acct|all", 3_000, null)), 0));

    // the upstream billed 9,000 against a hold of 3,000: the envelope (cap 5,000, 1,000 held by the other section)
    // leaves 4,000, and that is all that is charged; an ordinary limit would have counted the excess
    Posting posting = (Posting) core.post("h", 9_000, 10);

    assertThat(posting.chargedMicros()).isEqualTo(4_000);
    assertThat(posting.uncollectedMicros()).isEqualTo(5_000);
    assertThat(core.counterState("env|run1|run").spent()).isEqualTo(4_000);
    assertThat(core.counterState("ord|acct|all").spent()).isEqualTo(4_000);
    core.post("other", 2_000, 1);
    assertThat(core.counterState("env|run1|run").spent()).as("the other section gets only the room left").isEqualTo(5_000);
  }

  @Test
  void refusesAHoldTheBalanceDoesNotCoverAndReservesNothing() {
    core.topUp("t", "acct", Bucket.RMB, 1_999);
    Limit requests = limit(Metric.REQUESTS, 10);
    Reserved r = core.reserve(new Attempt("h", "r", "acct", Bucket.RMB, 2_000,
        List.of(new PlannedLimit(requests, "req|acct|all", 1, null)), 0));
    assertThat(r).isEqualTo(new BalanceRefused("acct", Bucket.RMB, 1_999, 2_000));
    assertThat(core.counterState("req|acct|all").held()).isZero();
  }

  @Test
  void admitSkipsALegWhoseLimitRefusesAndAdmitsTheNext() {
    core.topUp("t", "acct", Bucket.RMB, 10_000);
    Limit channelSpend = new Limit("lim-a", Scope.CHANNEL, null, null, null, "ch-a", Metric.SPEND, Bucket.RMB, Window.DAY, 1_999,
        false, "config");
    LimitPlanner planner = leg -> leg.channelId().equals("ch-a")
        ? List.of(new LimitPlanner.Applicable(channelSpend, "lim-a|operator|2026-12-03", null)) : List.of();
    Admission admission = core.admit(AdmitRequest.first("acct", route(PRIMARY, BACKUP, false), false, ONE, DEMAND,
        LegHealth.ALL_HEALTHY, planner));
    assertThat(admission.admittedLeg()).isEqualTo(1);
    assertThat(admission.legs().get(0).verdict()).isEqualTo(Verdict.LIMIT);
    assertThat(admission.legs().get(0).limitRefusal().remaining()).isEqualTo(1_999);
    assertThat(admission.admittedVerdict().worstCaseMicros()).isEqualTo(2_000);
  }

  /**
   * Today's request path answers this case 502 {@code upstream_unavailable} ("All 0 upstream attempts failed") and
   * the quote 503 {@code no_leg_available}: the primary is skipped as unhealthy because a later leg's channel is
   * healthy, though that leg may not serve (another bucket, no consent). The core keeps the rule and names the
   * result once: {@link NoLegAvailable}.
   */
  @Test
  void noLegWhenThePrimaryIsUnhealthyAndTheHealthyBackupMayNotServe() {
    core.topUp("t", "acct", Bucket.RMB, 10_000);
    Leg otherBucket = new Leg("ch-b", "up-b", PRICE, Bucket.CREDIT);
    LegHealth primaryDown = new LegHealth() {
      @Override
      public boolean admits(int legIndex) {
        return legIndex != 0;
      }

      @Override
      public boolean available(int legIndex) {
        return legIndex != 0;
      }
    };
    Admission admission = core.admit(AdmitRequest.first("acct", route(PRIMARY, otherBucket, false), false, ONE, DEMAND,
        primaryDown, LimitPlanner.NONE));
    assertThat(admission.legs()).extracting(LegVerdict::verdict).containsExactly(Verdict.CIRCUIT_OPEN, Verdict.BUCKET_CHANGE);
    assertThat(admission.refusal()).isEqualTo(new NoLegAvailable("chat-x", "routed"));
  }

  @Test
  void recoveryVoidsEveryPendingHoldAndReleasesItsLimits() {
    core.topUp("t", "acct", Bucket.RMB, 10_000);
    Limit tokens = limit(Metric.TOKENS, 5_000);
    core.reserve(new Attempt("h1", "r1", "acct", Bucket.RMB, 2_000, List.of(new PlannedLimit(tokens, "tok|acct|all", 2_000, null)), 0));
    core.reserve(new Attempt("h2", "r2", "acct", Bucket.RMB, 3_000, List.of(new PlannedLimit(tokens, "tok|acct|all", 2_000, null)), 0));
    AccountingCore restarted = AccountingCore.restore(core.snapshot());
    assertThat(restarted.recover()).extracting(Voided::holdId).containsExactly("h1", "h2");
    assertThat(restarted.walletState("acct", Bucket.RMB).heldMicros()).isZero();
    assertThat(restarted.counterState("tok|acct|all").held()).isZero();
    assertThat(restarted.walletState("acct", Bucket.RMB).balanceMicros()).isEqualTo(10_000);
  }

  private static Route route(Leg primary, Leg backup, boolean allowBucketChange) {
    return new Route("chat-x", RouteType.ROUTED, List.of(primary, backup),
        new FallbackPolicy(FallbackPolicy.CLASSES, Set.of(), 2, false, 0, allowBucketChange));
  }

  private static Limit limit(Metric metric, long cap) {
    return new Limit("lim-" + metric, Scope.ACCOUNT, null, null, null, null, metric, null, Window.LIFETIME, cap, false, "admin");
  }
}
