package io.tollgate.quote;

import io.tollgate.auth.ApiKey;
import io.tollgate.catalog.LegView;
import io.tollgate.config.Bucket;
import io.tollgate.config.Channel;
import io.tollgate.config.GatewayConfig;
import io.tollgate.config.Leg;
import io.tollgate.config.Route;
import io.tollgate.health.HealthRegistry;
import io.tollgate.ledger.LedgerIds;
import io.tollgate.ledger.LedgerSql;
import io.tollgate.ledger.Money;
import io.tollgate.limits.LimitRefusal;
import io.tollgate.limits.Limits;
import io.tollgate.pricing.Costs;
import io.tollgate.pricing.OutputStats;
import io.tollgate.proxy.FallbackRules;
import io.tollgate.receipts.Usage;
import io.tollgate.routing.RoutePlan;
import io.tollgate.store.Store;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Computes a quote. It walks the route's legs the way the request path would (skip rules, open circuits,
 * limits, balance) without reserving anything, so {@code would_be_admitted} says what the request would meet.
 * Blocking (it reads balances); runs on a worker.
 */
final class Quoter {
  /** Below this many worst-case requests left, the balance gets a warning. */
  static final long LOW_BALANCE_REQUESTS = 100;

  private final Store store;
  private final Limits limits;
  private final HealthRegistry health;
  private final OutputStats outputs;

  Quoter(Store store, Limits limits, HealthRegistry health, OutputStats outputs) {
    this.store = store;
    this.limits = limits;
    this.health = health;
    this.outputs = outputs;
  }

  Map<String, Object> quote(GatewayConfig config, ApiKey key, RoutePlan plan, QuoteRequest request) {
    Route route = plan.route();
    Leg primary = route.legs().get(0);
    long holdPrompt = request.promptForHold();
    List<Map<String, Object>> legs = new ArrayList<>();
    List<Map<String, Object>> warnings = new ArrayList<>();
    Map<Bucket, Long> maxByBucket = new EnumMap<>(Bucket.class);
    long primaryWorst = worst(config, route, primary, holdPrompt, request.maxOutputTokens());
    long minCost = Long.MAX_VALUE;
    for (int i = 0; i < route.legs().size(); i++) {
      Leg leg = route.legs().get(i);
      Channel channel = config.channel(leg.channelId());
      String skip = FallbackRules.skipReason(route, key.scope(), List.of(), i);
      long worst = worst(config, route, leg, holdPrompt, request.maxOutputTokens());
      Map<String, Object> row = LegView.of(config, route, i);
      row.put("max_cost_micros", worst);
      row.put("usable", skip == null);
      if (skip != null) {
        row.put("skip_reason", skip);
      }
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
    }
    Admission admission = admit(config, key, plan, request, holdPrompt);
    long[] measured = outputs.of(request.model());
    long expectedOutput = request.embeddings() ? 0 : measured[0] > 0 ? Math.min(measured[1], request.maxOutputTokens())
        : request.maxOutputTokens() / 2;
    String basis = request.embeddings() ? "embeddings produce no output tokens"
        : measured[0] > 0 ? "the mean completion of the last " + measured[0] + " measured requests to " + request.model()
            + " (" + measured[1] + " tokens), capped by max_tokens"
        : "no request to " + request.model() + " measured yet: half of the output allowance";
    Leg expectedLeg = admission.legIndex >= 0 ? route.legs().get(admission.legIndex) : primary;
    long expected = Costs.costMicros(expectedLeg.price(), new Usage(request.promptTokens(), expectedOutput, 0, "expected"),
        config.multipliers(), route.type());
    Map<String, Object> cost = new LinkedHashMap<>();
    cost.put("bucket", expectedLeg.bucket().name());
    cost.put("currency", expectedLeg.bucket().currency());
    cost.put("min_micros", minCost == Long.MAX_VALUE ? 0 : minCost);
    cost.put("expected_micros", expected);
    cost.put("max_micros", maxByBucket.getOrDefault(expectedLeg.bucket(), primaryWorst));
    cost.put("max_micros_by_bucket", maxByBucket);
    cost.put("expected_basis", basis);
    cost.put("max_basis", "the prompt (with the hold's tokenizer margin) plus the full output allowance, on the most"
        + " expensive leg that could serve");
    if (admission.balance != null) {
      long perRequest = admission.worst;
      long covers = perRequest <= 0 ? Long.MAX_VALUE : Math.max(0, admission.balance.available()) / perRequest;
      if (admission.legIndex >= 0 && covers < LOW_BALANCE_REQUESTS) {
        warnings.add(warning("low_balance", "The " + expectedLeg.bucket() + " balance covers " + covers
            + " more requests like this at the worst case (" + Money.format(Math.max(0, admission.balance.available()),
            expectedLeg.bucket()) + " available)."));
      }
    }
    for (var p : admission.planned) {
      long[] usage = limits.usage(p.reservation().counter());
      long after = p.limit().cap() - usage[0] - usage[1] - p.reservation().amount();
      if (after >= 0 && after < p.reservation().amount()) {
        warnings.add(warning("limit_would_be_exhausted", "This request would use up the " + p.limit().describe()
            + " limit: after it, " + after + " of " + p.limit().cap() + " would remain, less than another such request needs."));
      }
    }
    if (admission.refusal != null) {
      warnings.add(warning("limit_reached", admission.refusalMessage));
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
    out.put("limits", admission.limitViews);
    if (admission.balance != null) {
      out.put("balance", Map.of("bucket", admission.bucket.name(), "available_micros", admission.balance.available(),
          "covers_requests_at_max", admission.worst <= 0 ? -1 : Math.max(0, admission.balance.available()) / admission.worst));
    }
    out.put("would_be_admitted", admission.legIndex >= 0);
    out.put("admitted_leg", admission.legIndex >= 0 ? Route.legLabel(admission.legIndex) : null);
    if (admission.legIndex < 0) {
      out.put("refusal", Map.of("status", admission.status, "code", admission.code, "message", admission.refusalMessage));
    }
    out.put("health", health.snapshot(config.channel(primary.channelId())));
    out.put("warnings", warnings);
    return out;
  }

  /** The leg walk of the request path, without reserving anything. */
  private Admission admit(GatewayConfig config, ApiKey key, RoutePlan plan, QuoteRequest request, long holdPrompt) {
    Route route = plan.route();
    Admission result = new Admission();
    for (int i = 0; i < route.legs().size(); i++) {
      Leg leg = route.legs().get(i);
      if (FallbackRules.skipReason(route, key.scope(), List.of(), i) != null) {
        continue;
      }
      Channel channel = config.channel(leg.channelId());
      if (!health.available(channel) && FallbackRules.healthyLegAfter(config, route, i, health)) {
        continue;
      }
      long worst = worst(config, route, leg, holdPrompt, request.maxOutputTokens());
      var planned = limits.plan(config, new Limits.Usage(key.accountId(), key.projectId(), key.id(), request.model(),
          route.type(), leg.channelId(), leg.bucket(), worst, holdPrompt + request.maxOutputTokens()));
      if (result.limitViews.isEmpty()) {
        for (var p : planned) {
          long[] usage = limits.usage(p.reservation().counter());
          Map<String, Object> view = new LinkedHashMap<>();
          view.put("label", p.limit().label());
          view.put("cap", p.limit().cap());
          view.put("spent", usage[0]);
          view.put("held", usage[1]);
          view.put("remaining", Math.max(0, p.limit().cap() - usage[0] - usage[1]));
          view.put("this_request", p.reservation().amount());
          view.put("resets_at", p.resetsAt() == null ? null : p.resetsAt().toString());
          result.limitViews.add(view);
        }
      }
      LimitRefusal refusal = limits.check(planned);
      if (refusal != null) {
        if (result.refusal == null) {
          result.refusal = refusal;
          var api = refusal.toApi("(quote)");
          result.status = api.status();
          result.code = api.code();
          result.refusalMessage = api.getMessage();
        }
        continue;
      }
      LedgerSql.WalletRow wallet = store.read(c -> LedgerSql.wallet(c, LedgerIds.wallet(key.accountId(), leg.bucket())));
      result.balance = wallet;
      result.bucket = leg.bucket();
      result.worst = worst;
      result.planned = planned;
      if (wallet.available() < worst) {
        result.legIndex = -1;
        result.status = 402;
        result.code = "insufficient_balance";
        result.refusalMessage = "Insufficient balance in the " + leg.bucket() + " wallet: " + Money.format(Math.max(0, wallet.available()),
            leg.bucket()) + " available, this request may cost up to " + Money.format(worst, leg.bucket()) + ".";
        return result;
      }
      result.legIndex = i;
      result.refusal = null;
      return result;
    }
    if (result.refusal == null) {
      result.status = 503;
      result.code = "no_leg_available";
      result.refusalMessage = "No leg of the " + route.type().wireName() + " route may serve this request now.";
    }
    return result;
  }

  private static final class Admission {
    int legIndex = -1;
    LimitRefusal refusal;
    int status;
    String code;
    String refusalMessage;
    LedgerSql.WalletRow balance;
    Bucket bucket;
    long worst;
    List<Limits.Planned> planned = List.of();
    final List<Map<String, Object>> limitViews = new ArrayList<>();
  }

  private static long worst(GatewayConfig config, Route route, Leg leg, long holdPrompt, long maxOutput) {
    return Costs.worstCaseMicros(leg.price(), holdPrompt, maxOutput, config.multipliers(), route.type());
  }

  private static String ratio(long a, long b) {
    return b == 0 ? "many" : new BigDecimal(a).divide(new BigDecimal(b), 1, RoundingMode.HALF_UP).toPlainString();
  }

  private static Map<String, Object> warning(String code, String message) {
    return Map.of("code", code, "message", message);
  }
}
