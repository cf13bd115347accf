package io.tollgate.research;

import io.tollgate.auth.ApiKey;
import io.tollgate.config.Bucket;
import io.tollgate.config.GatewayConfig;
import io.tollgate.config.ResearchMode;
import io.tollgate.config.ResearchSection;
import io.tollgate.config.Route;
import io.tollgate.config.RouteType;
import io.tollgate.json.Ids;
import io.tollgate.json.Json;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.Money;
import io.tollgate.proxy.ContextWindow;
import io.tollgate.quote.QuoteHandler;
import io.tollgate.research.data.Bars;
import io.tollgate.research.indicators.IndicatorSet;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Quotes a research run: each section's call is priced by the quote machinery ({@link QuoteHandler#preview}, the
 * accounting core's admit over the section's route), and the run adds them up per bucket. Blocking (it tokenizes):
 * runs on a worker.
 */
final class ResearchQuoter {
  /** Before a route has a measured latency, a section is expected to stream this many tokens a second. */
  static final long ASSUMED_TOKENS_PER_SECOND = 50;
  /** ... after this long to its first byte. */
  static final long ASSUMED_FIRST_BYTE_MS = 800;

  private final QuoteHandler quotes;
  private final Accountant accountant;
  private final Clock clock;

  ResearchQuoter(QuoteHandler quotes, Accountant accountant, Clock clock) {
    this.quotes = quotes;
    this.accountant = accountant;
    this.clock = clock;
  }

  ResearchQuote quote(GatewayConfig config, ApiKey key, ResearchMode mode, Bars bars, boolean fromCache) {
    Bars window = bars.lastDays(mode.windowDays());
    IndicatorSet indicators = io.tollgate.research.indicators.Indicators.of(window);
    List<SectionQuote> sections = new ArrayList<>();
    for (ResearchSection section : mode.sections()) {
      sections.add(section(config, key, section, mode, window, indicators, sections));
    }
    long now = clock.millis();
    String id = Ids.next("rq", now);
    long expiresAt = now + config.research().quoteTtl().toMillis();
    Map<Bucket, Long> max = sum(sections, SectionQuote::maxByBucket);
    Map<String, Object> answer = answer(config, key, id, mode, window, indicators, sections, max, now, expiresAt);
    return new ResearchQuote(id, key.accountId(), key.id(), window.symbol(), mode, now, expiresAt, window, indicators,
        fromCache, sections, max, answer);
  }

  private SectionQuote section(GatewayConfig config, ApiKey key, ResearchSection section, ResearchMode mode, Bars bars,
      IndicatorSet indicators, List<SectionQuote> earlier) {
    String routeHeader = section.routeType() == null ? null : section.routeType().wireName();
    JsonObject body = ResearchPrompts.body(section, bars, indicators, Map.of());
    long budget = ContextWindow.admittedPrompt(body, config.model(section.model())).total();
    JsonObject quoted = body;
    JsonObject expectedCost = null;
    if (!section.reads().isEmpty()) {
      long base = budget;
      long expectedPrompt = base;
      // the texts it reads are not written yet: each may be as long as its section's allowance, plus its heading; it
      // is expected to be as long as that section's expected answer
      for (String read : section.reads()) {
        budget += allowance(mode, read) + 16;
        expectedPrompt += expectedOutput(earlier, read, allowance(mode, read)) + 16;
      }
      quoted = new JsonObject().put("model", section.model()).put("max_tokens", section.maxTokens()).put("prompt_tokens", budget);
      JsonObject likely = quoted.copy().put("prompt_tokens", expectedPrompt);
      expectedCost = new JsonObject(Json.write(quotes.preview(config, key, likely, routeHeader))).getJsonObject("cost");
    }
    Map<String, Object> raw = quotes.preview(config, key, quoted, routeHeader);
    JsonObject q = new JsonObject(Json.write(raw));
    JsonObject cost = q.getJsonObject("cost");
    if (expectedCost != null) {
      // the maximum stays the full allowance's; the expectation and the least follow the likely prompt
      cost = cost.copy().put("expected_micros", expectedCost.getLong("expected_micros"))
          .put("min_micros", expectedCost.getLong("min_micros"));
    }
    Bucket bucket = Bucket.valueOf(cost.getString("bucket"));
    Map<Bucket, Long> maxBy = new EnumMap<>(Bucket.class);
    cost.getJsonObject("max_micros_by_bucket").forEach(e -> maxBy.put(Bucket.valueOf(e.getKey()), ((Number) e.getValue()).longValue()));
    RouteType type = RouteType.parse(q.getString("route_type"));
    Route route = config.route(section.model(), type);
    return new SectionQuote(section, budget, type.wireName(), maxBy, Map.of(bucket, cost.getLong("expected_micros")),
        Map.of(bucket, cost.getLong("min_micros")), expectedMs(q), worstMs(config, route, q), raw);
  }

  /** The expected answer length of the earlier section {@code id} (its quote's), or {@code fallback} when unknown. */
  private static long expectedOutput(List<SectionQuote> earlier, String id, long fallback) {
    for (SectionQuote s : earlier) {
      if (s.section().id().equals(id)) {
        Object tokens = s.quote().get("tokens");
        if (tokens instanceof Map<?, ?> m && m.get("expected_output") instanceof Number n) {
          return n.longValue();
        }
      }
    }
    return fallback;
  }

  private static long allowance(ResearchMode mode, String id) {
    return mode.sections().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow().maxTokens();
  }

  private static long expectedMs(JsonObject q) {
    Object p50 = q.getJsonObject("health").getValue("latency_p50_ms");
    if (p50 instanceof Number n) {
      return n.longValue();
    }
    long output = q.getJsonObject("tokens").getLong("expected_output");
    return ASSUMED_FIRST_BYTE_MS + output * 1000 / ASSUMED_TOKENS_PER_SECOND;
  }

  /** Every usable leg, up to the route's attempts, running to its channel's total timeout. */
  private static long worstMs(GatewayConfig config, Route route, JsonObject q) {
    long total = 0;
    int attempts = 0;
    JsonArray legs = q.getJsonArray("legs");
    for (int i = 0; i < legs.size() && attempts < route.maxAttempts(); i++) {
      if (legs.getJsonObject(i).getBoolean("usable")) {
        total += config.channel(route.legs().get(i).channelId()).timeouts().totalMs();
        attempts++;
      }
    }
    return total;
  }

  private static Map<Bucket, Long> sum(List<SectionQuote> sections, java.util.function.Function<SectionQuote, Map<Bucket, Long>> f) {
    Map<Bucket, Long> out = new EnumMap<>(Bucket.class);
    for (SectionQuote s : sections) {
      f.apply(s).forEach((b, v) -> out.merge(b, v, Math::addExact));
    }
    return out;
  }

  private Map<String, Object> answer(GatewayConfig config, ApiKey key, String id, ResearchMode mode, Bars bars,
      IndicatorSet indicators, List<SectionQuote> sections, Map<Bucket, Long> max, long now, long expiresAt) {
    List<Map<String, Object>> warnings = new ArrayList<>();
    List<Map<String, Object>> rows = new ArrayList<>();
    long expectedMs = 0;
    long worstMs = 0;
    Map<String, long[]> limits = new LinkedHashMap<>();
    Map<String, String> limitNames = new LinkedHashMap<>();
    for (SectionQuote s : sections) {
      JsonObject q = new JsonObject(Json.write(s.quote()));
      expectedMs += s.expectedMs();
      worstMs += s.worstMs();
      rows.add(sectionRow(s, q));
      for (Object w : q.getJsonArray("warnings")) {
        JsonObject warning = (JsonObject) w;
        warnings.add(warning(warning.getString("code"), "Section '" + s.section().id() + "': " + warning.getString("message")));
      }
      if (!q.getBoolean("would_be_admitted")) {
        warnings.add(warning("section_refused_now", "Section '" + s.section().id() + "' would be refused now: "
            + q.getJsonObject("refusal", new JsonObject()).getString("message", "no leg can serve it") + "."));
      }
      for (Object l : q.getJsonArray("limits")) {
        JsonObject limit = (JsonObject) l;
        String name = limit.getString("label") + "/" + limit.getLong("cap");
        long[] acc = limits.computeIfAbsent(name, k -> new long[] {limit.getLong("cap"), Long.MAX_VALUE, 0});
        acc[1] = Math.min(acc[1], limit.getLong("remaining"));
        acc[2] += limit.getLong("this_request");
        limitNames.put(name, limit.getString("label"));
      }
      JsonArray legs = q.getJsonArray("legs");
      JsonObject primary = legs.getJsonObject(0);
      if ("official".equals(s.routeType()) && "CREDIT".equals(primary.getString("bucket"))) {
        warnings.add(warning("official_credit_route", "Section '" + s.section().id() + "' runs on " + s.section().model()
            + "'s official route, paid from official Credit: up to "
            + Money.format(s.maxByBucket().getOrDefault(Bucket.CREDIT, 0L), Bucket.CREDIT) + " for this section"
            + (sections.size() > 2 ? " of a " + sections.size() + "-section run." : ".")));
      }
    }
    List<Map<String, Object>> room = new ArrayList<>();
    limits.forEach((name, acc) -> {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("label", limitNames.get(name));
      r.put("cap", acc[0]);
      r.put("remaining", acc[1]);
      r.put("run_needs_at_most", acc[2]);
      r.put("enough", acc[2] <= acc[1]);
      room.add(r);
      if (acc[2] > acc[1]) {
        warnings.add(warning("limit_nearly_exhausted", "The " + limitNames.get(name) + " limit has " + acc[1] + " of "
            + acc[0] + " left; this run may need up to " + acc[2] + ". Late sections may be refused, and are marked so."));
      }
    });
    Map<String, Object> cost = new LinkedHashMap<>();
    Map<Bucket, Long> expected = sum(sections, SectionQuote::expectedByBucket);
    Map<Bucket, Long> min = sum(sections, SectionQuote::minByBucket);
    List<Map<String, Object>> balances = new ArrayList<>();
    for (Bucket b : Bucket.values()) {
      if (!max.containsKey(b)) {
        continue;
      }
      cost.put(b.name(), Map.of("currency", b.currency(), "min_micros", min.getOrDefault(b, 0L),
          "expected_micros", expected.getOrDefault(b, 0L), "max_micros", max.get(b)));
      long available = accountant.wallet(key.accountId(), b).availableMicros();
      balances.add(Map.of("bucket", b.name(), "available_micros", available, "enough_for_max", available >= max.get(b)));
      if (available < max.get(b)) {
        warnings.add(warning("balance_short", "The " + b + " balance (" + Money.format(Math.max(0, available), b)
            + ") is less than the run's worst case (" + Money.format(max.get(b), b) + "): a section may be refused."));
      }
    }
    if (bars.sample()) {
      warnings.add(warning("sample_data", "The data is the bundled sample set: synthetic, not real prices."));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("object", "research.quote");
    out.put("id", id);
    out.put("symbol", bars.symbol());
    out.put("mode", mode.name());
    out.put("created_at", now / 1000);
    out.put("expires_at", expiresAt / 1000);
    out.put("data", Map.of("source", bars.source(), "sample", bars.sample(), "from", bars.first().toString(),
        "to", bars.last().toString(), "bars", bars.bars().size()));
    out.put("sections", rows);
    out.put("tokens", Map.of("max_output", sections.stream().mapToLong(s -> s.section().maxTokens()).sum(),
        "max_prompt", sections.stream().mapToLong(SectionQuote::promptBudget).sum()));
    out.put("time", Map.of("expected_ms", expectedMs, "worst_ms", worstMs));
    out.put("cost", cost);
    out.put("limits", room);
    out.put("balances", balances);
    out.put("indicators", indicators.asMap());
    out.put("warnings", warnings);
    return out;
  }

  private static Map<String, Object> sectionRow(SectionQuote s, JsonObject q) {
    JsonArray legs = q.getJsonArray("legs");
    List<Map<String, Object>> backups = new ArrayList<>();
    for (int i = 1; i < legs.size(); i++) {
      JsonObject leg = legs.getJsonObject(i);
      if (leg.getBoolean("usable")) {
        backups.add(legView(leg));
      }
    }
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", s.section().id());
    row.put("title", s.section().title());
    row.put("model", s.section().model());
    row.put("route_type", s.routeType());
    row.put("tokens", Map.of("prompt_max", s.promptBudget(), "max_output", s.section().maxTokens(),
        "expected_output", q.getJsonObject("tokens").getLong("expected_output")));
    row.put("route", legView(legs.getJsonObject(0)));
    row.put("backup_routes", backups);
    row.put("cost", Map.of("bucket", q.getJsonObject("cost").getString("bucket"),
        "min_micros", q.getJsonObject("cost").getLong("min_micros"),
        "expected_micros", q.getJsonObject("cost").getLong("expected_micros"),
        "expected_basis", q.getJsonObject("cost").getString("expected_basis"),
        "max_micros_by_bucket", s.maxByBucket()));
    row.put("time", Map.of("expected_ms", s.expectedMs(), "worst_ms", s.worstMs()));
    row.put("would_be_admitted", q.getBoolean("would_be_admitted"));
    return row;
  }

  private static Map<String, Object> legView(JsonObject leg) {
    return Map.of("leg", leg.getString("leg"), "channel", leg.getString("channel"), "upstream_model",
        leg.getString("upstream_model"), "bucket", leg.getString("bucket"), "max_cost_micros", leg.getLong("max_cost_micros"));
  }

  private static Map<String, Object> warning(String code, String message) {
    return Map.of("code", code, "message", message);
  }
}
