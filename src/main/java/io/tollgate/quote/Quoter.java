package io.tollgate.quote;

import io.tollgate.auth.ApiKey;
import io.tollgate.catalog.LegView;
import io.tollgate.config.Bucket;
import io.tollgate.config.Channel;
import io.tollgate.config.GatewayConfig;
import io.tollgate.config.Leg;
import io.tollgate.config.Route;
import io.tollgate.health.HealthRegistry;
import io.tollgate.http.ApiException;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.Money;
import io.tollgate.ledger.core.AccountingCore;
import io.tollgate.ledger.core.Admission;
import io.tollgate.ledger.core.AdmitRequest;
import io.tollgate.ledger.core.BalanceRefused;
import io.tollgate.ledger.core.LegHealth;
import io.tollgate.ledger.core.LegVerdict;
import io.tollgate.ledger.core.LimitPlanner;
import io.tollgate.ledger.core.LimitRefused;
import io.tollgate.ledger.core.PlannedLimit;
import io.tollgate.ledger.core.SkipRules;
import io.tollgate.ledger.core.Snapshot;
import io.tollgate.ledger.core.Verdict;
import io.tollgate.limits.Limits;
import io.tollgate.pricing.Costs;
import io.tollgate.pricing.OutputStats;
import io.tollgate.proxy.Refusals;
import io.tollgate.receipts.Usage;
import io.tollgate.routing.RoutePlan;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Computes a quote: the accounting core's {@code admit} over the request's leg walk, the same call the request path
 * makes, without reserving anything, so {@code would_be_admitted} and {@code hold_micros} are what the request would
 * meet now. Money is computed by the core; the quote only describes it.
 */
final class Quoter {
  /** Below this many worst-case requests left, the balance gets a warning. */
  static final long LOW_BALANCE_REQUESTS = 100;

  private final Accountant accountant;
  private final Limits limits;
  private final HealthRegistry health;
  private final OutputStats outputs;

  Quoter(Accountant accountant, Limits limits, HealthRegistry health, OutputStats outputs) {
    this.accountant = accountant;
    this.limits = limits;
    this.health = health;
    this.outputs = outputs;
  }

  Map<String, Object> quote(GatewayConfig config, ApiKey key, RoutePlan plan, QuoteRequest request) {
    Route route = plan.route();
    Leg primary = route.legs().get(0);
    LimitPlanner planner = limits.planner(config, new Limits.Subject(key.accountId(), key.projectId(), key.id(),
        request.model(), route.type()));
    Admission admission = accountant.view().admit(AdmitRequest.first(key.accountId(), route, key.scope().allowBucketChange(),
        config.multipliers(), request.demand(), health(config, route), planner));
    List<Map<String, Object>> legs = new ArrayList<>();
    List<Map<String, Object>> warnings = new ArrayList<>();
    Map<Bucket, Long> maxByBucket = new EnumMap<>(Bucket.class);
    long primaryWorst = admission.legs().get(0).worstCaseMicros();
    long minCost = Long.MAX_VALUE;
    for (LegVerdict verdict : admission.legs()) {
      int i = verdict.index();
      Leg leg = verdict.leg();
      Channel channel = config.channel(leg.channelId());
      Verdict skip = SkipRules.reason(route, key.scope().allowBucketChange(), List.of(), i);
      long worst = verdict.worstCaseMicros();
      Map<String, Object> row = LegView.of(config, route, i);
      row.put("max_cost_micros", worst);
      row.put("usable", skip == null);
      if (skip != null) {
        row.put("skip_reason", skip.outcome());
      }
      row.put("verdict", verdict.verdict().name().toLowerCase(java.util.Locale.ROOT));
      row.put("health", health.snapshot(channel));
      legs.add(row);
      if (skip != null) {
        continue;
      }
      maxByBucket.merge(leg.bucket(), worst, Math::max);
      minCost = Math.min(minCost, Costs.costMicros(leg.price(), new Usage(request.promptTokens(), request.embeddings() ? 0 : 1, 0,
          "min"), config.multipliers(), route.type()));
      // costs of two buckets are in two currencies; another bucket gets bucket_change_on_fallback instead
      if (i > 0 && leg.bucket() == primary.bucket() && worst > primaryWorst) {
        warnings.add(warning("backup_costlier", Route.legLabel(i) + " (" + leg.upstreamModel() + " via " + channel.label()
            + ") may cost up to " + ratio(worst, primaryWorst) + "x the primary if the primary fails: up to "
            + Money.format(worst, leg.bucket()) + " instead of " + Money.format(primaryWorst, primary.bucket()) + "."));
      }
      if (i > 0 && leg.bucket() != primary.bucket()) {
        warnings.add(warning("bucket_change_on_fallback", "If the primary fails, " + Route.legLabel(i) + " pays from the "
            + leg.bucket() + " bucket instead of " + primary.bucket() + "."));
      }
      // a backup the wallet cannot cover is skipped should the legs before it fail (the walk goes on past it); not said
      // of a leg no failure can reach: one attempt only, or the admitted leg's own channel and model (already failed)
      Leg admittedLeg = admission.admitted() ? admission.admittedVerdict().leg() : null;
      if (admittedLeg != null && i > admission.admittedVerdict().index() && route.maxAttempts() > 1
          && !(leg.channelId().equals(admittedLeg.channelId()) && leg.upstreamModel().equals(admittedLeg.upstreamModel()))) {
        long available = accountant.wallet(key.accountId(), leg.bucket()).availableMicros();
        if (available < worst) {
          warnings.add(warning("backup_unaffordable", Route.legLabel(i) + " (" + leg.upstreamModel() + " via " + channel.label()
              + ") may cost up to " + Money.format(worst, leg.bucket()) + ", more than the " + Money.format(Math.max(0, available),
              leg.bucket()) + " available: if the legs before it fail, it is skipped."));
        }
      }
    }
    // the leg admission settled on: the admitted one, or the one whose wallet refused, or else the first it planned
    LegVerdict settled = admission.admitted() ? admission.admittedVerdict()
        : admission.legs().stream().filter(v -> v.verdict() == Verdict.BALANCE).findFirst()
            .orElse(admission.legs().stream().filter(v -> v.verdict() == Verdict.LIMIT).findFirst().orElse(null));
    long[] measured = outputs.of(request.model());
    long expectedOutput = request.embeddings() ? 0 : measured[0] > 0 ? Math.min(measured[1], request.maxOutputTokens())
        : request.maxOutputTokens() / 2;
    String basis = request.embeddings() ? "embeddings produce no output tokens"
        : measured[0] > 0 ? "the mean completion of the last " + measured[0] + " measured requests to " + request.model()
            + " (" + measured[1] + " tokens), capped by max_tokens"
        : "no request to " + request.model() + " measured yet: half of the output allowance";
    Leg expectedLeg = admission.admitted() ? admission.admittedVerdict().leg() : primary;
    long expected = Costs.costMicros(expectedLeg.price(), new Usage(request.promptTokens(), expectedOutput, 0, "expected"),
        config.multipliers(), route.type());
    Map<String, Object> cost = new LinkedHashMap<>();
    cost.put("bucket", expectedLeg.bucket().name());
    cost.put("currency", expectedLeg.bucket().currency());
    cost.put("min_micros", minCost == Long.MAX_VALUE ? 0 : minCost);
    cost.put("expected_micros", expected);
    cost.put("max_micros", maxByBucket.getOrDefault(expectedLeg.bucket(), primaryWorst));
    cost.put("max_micros_by_bucket", maxByBucket);
    cost.put("hold_micros", admission.admitted() ? admission.admittedVerdict().worstCaseMicros() : null);
    cost.put("expected_basis", basis);
    cost.put("max_basis", "the prompt (with the hold's tokenizer margin) at the dearest of the input, cache-read and"
        + " cache-write prices, plus the full output allowance, on the most expensive leg that could serve");
    cost.put("hold_basis", "what the request would hold now: the worst case of the leg admission chose");
    Snapshot.WalletState balance = settled == null ? null : accountant.wallet(key.accountId(), settled.leg().bucket());
    if (balance != null && settled != null) {
      long perRequest = settled.worstCaseMicros();
      long covers = perRequest <= 0 ? Long.MAX_VALUE : Math.max(0, balance.availableMicros()) / perRequest;
      if (admission.admitted() && covers < LOW_BALANCE_REQUESTS) {
        warnings.add(warning("low_balance", "The " + expectedLeg.bucket() + " balance covers " + covers
            + " more requests like this at the worst case (" + Money.format(Math.max(0, balance.availableMicros()),
            expectedLeg.bucket()) + " available)."));
      }
    }
    List<Map<String, Object>> limitViews = new ArrayList<>();
    if (settled != null) {
      for (PlannedLimit p : settled.limits()) {
        long[] usage = accountant.counter(p.counter());
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("label", p.limit().label());
        view.put("cap", p.limit().cap());
        view.put("spent", usage[0]);
        view.put("held", usage[1]);
        view.put("remaining", AccountingCore.remaining(p.limit(), usage[0], usage[1]));
        view.put("this_request", p.amount());
        view.put("resets_at", p.resetsAt() == null ? null : p.resetsAt().toString());
        limitViews.add(view);
        // room left once this request's hold is taken, and whether another like it would still fit
        long after = AccountingCore.remaining(p.limit(), usage[0], usage[1] + p.amount());
        if (admission.admitted() && after < p.amount()) {
          warnings.add(warning("limit_would_be_exhausted", "This request would use up the " + p.limit().describe()
              + " limit: after it, " + after + " of " + p.limit().cap() + " would remain, less than another such request needs."));
        }
      }
    }
    ApiException refusal = admission.admitted() ? null : Refusals.toApi(admission.refusal(), route,
        settled == null ? null : settled.leg(), "(quote)", java.time.Instant.now());
    if (admission.refusal() instanceof LimitRefused) {
      warnings.add(warning("limit_reached", refusal.getMessage()));
    } else if (admission.refusal() instanceof BalanceRefused) {
      warnings.add(warning("insufficient_balance", refusal.getMessage()));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("object", "quote");
    out.put("model", request.model());
    out.put("route_type", route.type().wireName());
    out.put("alternatives", plan.alternatives().stream().map(t -> t.wireName()).toList());
    out.put("tokens", Map.of("prompt", request.promptTokens(), "prompt_source", request.promptSource(),
        "max_output", request.maxOutputTokens(), "expected_output", expectedOutput));
    out.put("legs", legs);
    out.put("cost", cost);
    out.put("limits", limitViews);
    if (balance != null) {
      out.put("balance", Map.of("bucket", settled.leg().bucket().name(), "available_micros", balance.availableMicros(),
          "covers_requests_at_max", settled.worstCaseMicros() <= 0 ? -1
              : Math.max(0, balance.availableMicros()) / settled.worstCaseMicros()));
    }
    out.put("would_be_admitted", admission.admitted());
    out.put("admitted_leg", admission.admitted() ? Route.legLabel(admission.admittedLeg()) : null);
    if (refusal != null) {
      out.put("refusal", Map.of("status", refusal.status(), "code", refusal.code(), "message", refusal.getMessage()));
    }
    out.put("health", health.snapshot(config.channel(primary.channelId())));
    out.put("warnings", warnings);
    return out;
  }

  /** Channel health as the quote sees it: nothing is taken, so admitting and looking ahead are the same question. */
  private LegHealth health(GatewayConfig config, Route route) {
    return new LegHealth() {
      @Override
      public boolean admits(int legIndex) {
        return available(legIndex);
      }

      @Override
      public boolean available(int legIndex) {
        return health.available(config.channel(route.legs().get(legIndex).channelId()));
      }
    };
  }

  private static String ratio(long a, long b) {
    return b == 0 ? "many" : new BigDecimal(a).divide(new BigDecimal(b), 1, RoundingMode.HALF_UP).toPlainString();
  }

  private static Map<String, Object> warning(String code, String message) {
    return Map.of("code", code, "message", message);
  }
}
