package io.tollgate.ledger.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.auth.KeyScope;
import io.tollgate.config.Bucket;
import io.tollgate.config.CatalogModel;
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
import io.tollgate.pricing.Costs;
import io.tollgate.pricing.Demand;
import io.tollgate.pricing.Overruns;
import io.tollgate.proxy.ContextWindow;
import io.tollgate.proxy.RequestValidator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Admission is the walk it stands for: over random requests (both output fields, {@code n}, tools, images, learnt
 * overruns), routes (buckets, prices, fallback policies, health), limits at their edge and short balances, what
 * {@link AccountingCore#admit} says is what a walk that tries to reserve leg by leg with {@link AccountingCore#reserve}
 * meets: the same leg, the same hold, the same refusal. (The quote and the request path both call {@code admit};
 * QuoteMatchesRequestTest checks them end to end.)
 */
class AdmissionEquivalenceTest {
  private static final String ACCOUNT = "acct";
  private static final Multipliers MULTIPLIERS = new Multipliers(1_100_000, Map.of(RouteType.ROUTED, 900_000L));

  record LegSpec(int channel, int upstream, Price price, boolean otherBucket) {}

  record LimitSpec(Metric metric, boolean otherBucket, int channel, int edgeLeg, int edge, long alreadyHeld) {}

  record Case(long maxTokens, long maxCompletionTokens, int fields, int n, boolean tools, int image, long promptChars,
      long promptPpm, boolean ignoresOutputCap, RouteType type, List<LegSpec> legs, FallbackPolicy policy,
      boolean keyAllowsBucketChange, List<Boolean> healthy, List<LimitSpec> limits, int balanceLeg, int balanceEdge) {}

  @Property(tries = 600, seed = "16016016")
  void admitGivesTheHoldAndRefusalTheRequestPathMeets(@ForAll("cases") Case c) {
    Demand demand = demand(c);
    Route route = route(c);
    AccountingCore core = new AccountingCore();
    List<Limit> limits = setUp(core, c, route, demand);
    LimitPlanner planner = leg -> applicable(limits, leg);
    LegHealth health = health(c);

    Admission quoted = core.admit(AdmitRequest.first(ACCOUNT, route, c.keyAllowsBucketChange(), MULTIPLIERS, demand, health, planner));
    Walked walked = requestPath(core, route, c, demand, limits);
    Statistics.label("outcome").collect(quoted.admitted() ? "admitted leg " + quoted.admittedLeg()
        : quoted.refusal().getClass().getSimpleName());

    assertThat(quoted.admittedLeg()).as("admitted leg").isEqualTo(walked.leg());
    if (quoted.admitted()) {
      assertThat(walked.hold().amountMicros()).as("the quote's max is the hold").isEqualTo(quoted.admittedVerdict().worstCaseMicros());
      assertThat(walked.hold().claims()).isEqualTo(quoted.admittedVerdict().limits().stream().map(PlannedLimit::claim).toList());
      // and reserving what admission judged takes that very hold
      core.voidHold(walked.hold().id(), "test");
      Reserved again = core.reserve(quoted.attempt("again", "req", ACCOUNT, 0));
      assertThat(again).isInstanceOf(Hold.class);
      assertThat(((Hold) again).amountMicros()).isEqualTo(walked.hold().amountMicros());
    } else {
      assertThat(quoted.refusal()).as("refusal").isEqualTo(walked.refusal());
    }
  }

  /**
   * The walk after legs have failed upstream (the first {@code failedCount} legs, or fewer when the route has fewer):
   * admission from the next leg meets what a leg-by-leg walk meets, where a leg the wallet cannot cover is skipped and
   * the walk goes on, and a request out of attempts walks no leg.
   */
  @Property(tries = 600, seed = "16016017")
  void aFallbackWalkSkipsALegTheWalletCannotCoverAndGoesOn(@ForAll("cases") Case c,
      @ForAll @net.jqwik.api.constraints.IntRange(min = 1, max = 3) int failedCount) {
    Demand demand = demand(c);
    Route route = route(c);
    int k = Math.min(failedCount, route.legs().size() - 1);
    if (k < 1) {
      return; // a route of one leg has no fallback
    }
    List<AdmitRequest.FailedLeg> failed = route.legs().subList(0, k).stream()
        .map(l -> new AdmitRequest.FailedLeg(l.channelId(), l.upstreamModel())).toList();
    AccountingCore core = new AccountingCore();
    List<Limit> limits = setUp(core, c, route, demand);
    LimitPlanner planner = leg -> applicable(limits, leg);
    LegHealth health = health(c);

    Admission admitted = core.admit(new AdmitRequest(ACCOUNT, route, c.keyAllowsBucketChange(), MULTIPLIERS, demand, health,
        planner, k, failed));
    Walked walked = walk(core, route, c, demand, limits, k, failed);
    Statistics.label("outcome").collect(admitted.admitted() ? "admitted leg " + admitted.admittedLeg()
        : admitted.refusal().getClass().getSimpleName());

    assertThat(admitted.admittedLeg()).as("admitted leg").isEqualTo(walked.leg());
    if (admitted.admitted()) {
      assertThat(walked.hold().amountMicros()).isEqualTo(admitted.admittedVerdict().worstCaseMicros());
      assertThat(SkipRules.reason(route, c.keyAllowsBucketChange(), failed, admitted.admittedLeg()))
          .as("the admitted leg passes the fallback policy").isNull();
    } else {
      assertThat(admitted.refusal()).as("refusal").isEqualTo(walked.refusal());
    }
  }

  /** A walk that holds leg by leg, as the request path did before admission: skipped legs by the skip rules. */
  record Walked(int leg, Hold hold, Refusal refusal) {}

  /** The walk of a first request: {@link #walk} from the first leg, nothing failed yet. */
  private static Walked requestPath(AccountingCore core, Route route, Case c, Demand demand, List<Limit> limits) {
    return walk(core, route, c, demand, limits, 0, List.of());
  }

  /**
   * Reserves leg by leg from {@code fromLeg}, after the legs in {@code failed} failed upstream: legs the skip rules or an
   * open circuit (with a healthy leg after it) rule out are passed over; a limit refusal passes to the next leg; a
   * balance refusal ends a first walk there and, once a leg has failed, passes to the next leg too.
   */
  private static Walked walk(AccountingCore core, Route route, Case c, Demand demand, List<Limit> limits, int fromLeg,
      List<AdmitRequest.FailedLeg> failed) {
    if (failed.size() >= route.maxAttempts()) {
      return new Walked(-1, null, new NoLegAvailable(route.model(), route.type().wireName()));
    }
    LimitRefused firstLimit = null;
    BalanceRefused firstBalance = null;
    for (int i = fromLeg; i < route.legs().size(); i++) {
      Leg leg = route.legs().get(i);
      boolean skip = SkipRules.reason(route, c.keyAllowsBucketChange(), failed, i) != null
          || (!c.healthy().get(i) && c.healthy().subList(i + 1, route.legs().size()).contains(true));
      if (skip) {
        continue;
      }
      // ProxyHandler.hold: the demand's worst case at the leg's price, and Limits.plan's amounts
      long worst = Costs.worstCaseMicros(leg.price(), demand.holdPromptTokens(), demand.maxOutputTokens(), MULTIPLIERS, route.type());
      List<PlannedLimit> planned = new ArrayList<>();
      for (LimitPlanner.Applicable a : applicable(limits, leg)) {
        long amount = switch (a.limit().metric()) {
          case SPEND -> a.limit().bucket() == leg.bucket() ? worst : -1;
          case TOKENS -> demand.tokens();
          case REQUESTS -> 1;
        };
        if (amount >= 0) {
          planned.add(new PlannedLimit(a.limit(), a.counter(), amount, null));
        }
      }
      Reserved r = core.reserve(new Attempt("hold-" + i, "req", ACCOUNT, leg.bucket(), worst, planned, 0));
      if (r instanceof Hold hold) {
        return new Walked(i, hold, null);
      }
      if (r instanceof BalanceRefused balance) {
        if (failed.isEmpty()) {
          return new Walked(-1, null, balance);
        }
        firstBalance = firstBalance == null ? balance : firstBalance;
      } else {
        firstLimit = firstLimit == null ? (LimitRefused) r : firstLimit;
      }
    }
    Refusal refusal = firstBalance != null ? firstBalance
        : firstLimit != null ? firstLimit : new NoLegAvailable(route.model(), route.type().wireName());
    return new Walked(-1, null, refusal);
  }

  private static Demand demand(Case c) {
    CatalogModel model = new CatalogModel("chat-x", "test", 32_000, 8_000,
        Map.of(RouteType.OFFICIAL, new Price(1, 1, 1, 1), RouteType.ROUTED, new Price(1, 1, 1, 1)), false);
    JsonObject body = body(c);
    RequestValidator.chat(body, model);
    return Demand.of(body, model, ContextWindow.admittedPrompt(body, model).total(),
        new Overruns.Factors(c.promptPpm(), c.ignoresOutputCap()));
  }

  private static LegHealth health(Case c) {
    return new LegHealth() {
      @Override
      public boolean admits(int legIndex) {
        return c.healthy().get(legIndex);
      }

      @Override
      public boolean available(int legIndex) {
        return c.healthy().get(legIndex);
      }
    };
  }

  private static List<LimitPlanner.Applicable> applicable(List<Limit> limits, Leg leg) {
    List<LimitPlanner.Applicable> out = new ArrayList<>();
    for (Limit l : limits) {
      if (l.channel() == null || l.channel().equals(leg.channelId())) {
        out.add(new LimitPlanner.Applicable(l, l.id() + "|" + ACCOUNT + "|all", null));
      }
    }
    return out;
  }

  /** Limits with caps at the edge of one leg's amount, counters already holding some, and a wallet at an edge. */
  private static List<Limit> setUp(AccountingCore core, Case c, Route route, Demand demand) {
    List<Limit> limits = new ArrayList<>();
    for (int i = 0; i < c.limits().size(); i++) {
      LimitSpec s = c.limits().get(i);
      Leg edgeLeg = route.legs().get(s.edgeLeg() % route.legs().size());
      Bucket bucket = s.otherBucket() ? other(edgeLeg.bucket()) : edgeLeg.bucket();
      long worst = demand.worstCaseMicros(edgeLeg.price(), MULTIPLIERS, route.type());
      long amount = switch (s.metric()) {
        case SPEND -> worst;
        case TOKENS -> demand.tokens();
        case REQUESTS -> 1;
      };
      String channel = s.channel() < 0 ? null : "ch" + s.channel();
      Limit limit = new Limit("lim" + i, channel == null ? Scope.ACCOUNT : Scope.CHANNEL, null, null, null, channel, s.metric(),
          s.metric() == Metric.SPEND ? bucket : null, Window.DAY, Math.max(0, s.alreadyHeld() + amount + s.edge()), false, "admin");
      limits.add(limit);
      if (s.alreadyHeld() > 0) {
        // what requests in flight hold on the counter: a pending hold of nothing on the wallet
        Limit roomy = new Limit(limit.id(), limit.scope(), null, null, null, channel, s.metric(), limit.bucket(), Window.DAY,
            Long.MAX_VALUE / 4, false, "admin");
        core.reserve(new Attempt("inflight-" + i, "req-inflight", ACCOUNT, Bucket.CREDIT, 0,
            List.of(new PlannedLimit(roomy, limit.id() + "|" + ACCOUNT + "|all", s.alreadyHeld(), null)), 0));
      }
    }
    Leg balanceLeg = route.legs().get(c.balanceLeg() % route.legs().size());
    long worst = demand.worstCaseMicros(balanceLeg.price(), MULTIPLIERS, route.type());
    for (Bucket b : Bucket.values()) {
      long funds = b == balanceLeg.bucket() ? worst + c.balanceEdge() : c.balanceEdge() >= 0 ? 10 * worst + 1 : 0;
      if (funds > 0) {
        core.topUp("topup-" + b, ACCOUNT, b, funds);
      }
    }
    return limits;
  }

  private static JsonObject body(Case c) {
    JsonArray content = new JsonArray().add(new JsonObject().put("type", "text").put("text", "x".repeat((int) c.promptChars())));
    if (c.image() > 0) {
      content.add(new JsonObject().put("type", "image_url").put("image_url",
          new JsonObject().put("url", "https://example.test/a.png").put("detail", c.image() == 1 ? "low" : "high")));
    }
    JsonObject body = new JsonObject().put("model", "chat-x")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", content)));
    if ((c.fields() & 1) != 0) {
      body.put("max_tokens", c.maxTokens());
    }
    if ((c.fields() & 2) != 0) {
      body.put("max_completion_tokens", c.maxCompletionTokens());
    }
    if (c.n() > 0) {
      body.put("n", c.n());
    }
    if (c.tools()) {
      body.put("tools", new JsonArray().add(new JsonObject().put("type", "function").put("function",
          new JsonObject().put("name", "lookup").put("description", "looks a word up")
              .put("parameters", new JsonObject().put("type", "object")))));
    }
    return body;
  }

  private static Route route(Case c) {
    List<Leg> legs = new ArrayList<>();
    Bucket primary = c.type().defaultBucket();
    for (LegSpec s : c.legs()) {
      legs.add(new Leg("ch" + s.channel(), "up" + s.upstream(), s.price(), s.otherBucket() && !legs.isEmpty() ? other(primary) : primary));
    }
    return new Route("chat-x", c.type(), legs, c.policy());
  }

  private static Bucket other(Bucket b) {
    return b == Bucket.CREDIT ? Bucket.RMB : Bucket.CREDIT;
  }

  @Provide
  Arbitrary<List<Integer>> failures() {
    return Arbitraries.integers().between(0, 2).list().ofMaxSize(2);
  }

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<Price> price = Combinators.combine(Arbitraries.longs().between(0, 3_000_000), Arbitraries.longs().between(0, 9_000_000),
        Arbitraries.longs().between(0, 3_000_000), Arbitraries.longs().between(0, 4_000_000)).as(Price::new);
    Arbitrary<LegSpec> leg = Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 1), price,
        Arbitraries.integers().between(0, 3).withoutEdgeCases().map(i -> i == 0)).as(LegSpec::new);
    Arbitrary<FallbackPolicy> policy = Combinators.combine(Arbitraries.integers().between(1, 3), Arbitraries.of(true, false),
        Arbitraries.of(0L, 1_200_000L, 2_000_000L), Arbitraries.of(true, false))
        .as((attempts, costlier, ratio, bucketChange) -> new FallbackPolicy(FallbackPolicy.CLASSES, Set.of(), attempts, costlier,
            ratio, bucketChange));
    Arbitrary<LimitSpec> limit = Combinators.combine(Arbitraries.of(Metric.class), Arbitraries.integers().between(0, 4).map(i -> i == 0),
        Arbitraries.integers().between(-1, 2), Arbitraries.integers().between(0, 2), Arbitraries.integers().between(-1, 1),
        Arbitraries.of(0L, 0L, 1L, 500L, 20_000L)).as(LimitSpec::new);
    Arbitrary<List<LegSpec>> legs = leg.list().ofMinSize(1).ofMaxSize(3).withSizeDistribution(net.jqwik.api.RandomDistribution.uniform());
    Arbitrary<List<Boolean>> healthy = Arbitraries.integers().between(0, 2).withoutEdgeCases().map(i -> i != 0).list().ofSize(3);
    return Combinators.combine(
        Combinators.combine(Arbitraries.longs().between(1, 8_000), Arbitraries.longs().between(1, 8_000),
            Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 8), Arbitraries.of(true, false),
            Arbitraries.integers().between(0, 2), Arbitraries.longs().between(1, 3_000)).as(Output::new),
        Combinators.combine(Arbitraries.of(1_000_000L, 1_000_000L, 1_500_000L, 3_250_000L), Arbitraries.of(false, false, true))
            .as(Learnt::new),
        Arbitraries.of(RouteType.class), legs, policy, Arbitraries.of(true, false), healthy,
        Combinators.combine(limit.list().ofMaxSize(3).withSizeDistribution(net.jqwik.api.RandomDistribution.uniform()), Arbitraries.integers().between(0, 2), Arbitraries.integers().between(-1, 1))
            .as(Money::new))
        .as((o, l, type, ls, p, key, h, m) -> new Case(o.maxTokens, o.maxCompletionTokens, o.fields, o.n, o.tools, o.image,
            o.promptChars, l.promptPpm, l.ignoresOutputCap, type, ls, p, key, h, m.limits, m.balanceLeg, m.balanceEdge));
  }

  private record Output(long maxTokens, long maxCompletionTokens, int fields, int n, boolean tools, int image, long promptChars) {}

  private record Learnt(long promptPpm, boolean ignoresOutputCap) {}

  private record Money(List<LimitSpec> limits, int balanceLeg, int balanceEdge) {}
}
