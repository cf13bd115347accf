package io.tollgate.research;

import io.tollgate.auth.ApiKey;
import io.tollgate.auth.KeyAuthenticator;
import io.tollgate.config.Bucket;
import io.tollgate.config.ConfigHolder;
import io.tollgate.http.ApiException;
import io.tollgate.http.ErrorRenderer;
import io.tollgate.http.JsonBody;
import io.tollgate.json.Ids;
import io.tollgate.json.Json;
import io.tollgate.limits.Limit;
import io.tollgate.limits.Limits;
import io.tollgate.limits.Metric;
import io.tollgate.limits.Scope;
import io.tollgate.limits.Window;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * {@code POST /v1/research/runs} (from a quote id), {@code GET /v1/research/runs/{id}}, its {@code /events} (progress
 * as server-sent events), its {@code /report} and {@code /report.html}, and {@code DELETE} (cancel). Runs live in
 * memory; their money lives in the ledger: every child is a normal request with its own hold, charge and receipt.
 */
final class ResearchRuns {
  private final Vertx vertx;
  private final ConfigHolder config;
  private final KeyAuthenticator auth;
  private final ResearchQuotes quotes;
  private final Limits limits;
  private final Clock clock;
  private final ResearchRunner runner;
  private final Map<String, ResearchRun> byId = new ConcurrentHashMap<>();
  private final Map<String, String> accountOf = new ConcurrentHashMap<>();

  ResearchRuns(Vertx vertx, ConfigHolder config, KeyAuthenticator auth, ResearchQuotes quotes, Limits limits, Clock clock,
      int port) {
    this.vertx = vertx;
    this.config = config;
    this.auth = auth;
    this.quotes = quotes;
    this.limits = limits;
    this.clock = clock;
    this.runner = new ResearchRunner(vertx, vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)), port, limits, clock);
  }

  void mount(Router router) {
    router.post("/v1/research/runs").handler(this::start);
    router.get("/v1/research/runs/:id").handler(ctx -> owned(ctx).onSuccess(run -> json(ctx.response(), 200, view(run)))
        .onFailure(e -> ErrorRenderer.send(ctx.response(), e)));
    router.get("/v1/research/runs/:id/events").handler(this::events);
    router.get("/v1/research/runs/:id/report").handler(ctx -> report(ctx, false));
    router.get("/v1/research/runs/:id/report.html").handler(ctx -> report(ctx, true));
    router.delete("/v1/research/runs/:id").handler(this::cancel);
  }

  private void start(RoutingContext ctx) {
    String authorization = ctx.request().getHeader("authorization");
    auth.authenticate(authorization).map(key -> {
      String quoteId = JsonBody.read(ctx).text("quote_id", "the id of a research quote");
      ResearchQuote quote = quotes.live(quoteId).filter(q -> q.accountId().equals(key.accountId()))
          .orElseThrow(() -> ApiException.notFound("research_quote_not_found", "quote_id", "'quote_id': '" + quoteId
              + "' is not a research quote of this account that is still valid (quotes expire; ask for a new one)."));
      if (!quotes.take(quote)) {
        throw ApiException.conflict("research_quote_used", "Research quote '" + quoteId + "' already started a run.");
      }
      ResearchRun run = new ResearchRun(Ids.next("run", clock.millis()), quote, clock.millis());
      limits.startRun(run.id, envelope(key, quote, run.id));
      byId.put(run.id, run);
      accountOf.put(run.id, key.accountId());
      runner.run(run, config.current(), authorization);
      return run;
    }).onSuccess(run -> json(ctx.response(), 201, view(run))).onFailure(e -> ErrorRenderer.send(ctx.response(), e));
  }

  /**
   * The run's envelope: one spend limit per bucket, capped at the quote's maximum in that bucket (zero in a bucket
   * the quote never planned to pay from), so the core refuses any child that would take the run past its quote.
   */
  static Limits.RunEnvelope envelope(ApiKey key, ResearchQuote quote, String runId) {
    List<Limit> out = new ArrayList<>();
    for (Bucket b : Bucket.values()) {
      out.add(new Limit("run_" + b.name().toLowerCase(java.util.Locale.ROOT), Scope.RUN, runId, null, null, null,
          Metric.SPEND, b, Window.RUN, quote.maxByBucket().getOrDefault(b, 0L), false, "research"));
    }
    return new Limits.RunEnvelope(key.accountId(), out);
  }

  private Future<ResearchRun> owned(RoutingContext ctx) {
    return auth.authenticate(ctx.request().getHeader("authorization")).map(key -> {
      String id = ctx.pathParam("id");
      ResearchRun run = byId.get(id);
      if (run == null || !key.accountId().equals(accountOf.get(id))) {
        throw ApiException.notFound("research_run_not_found", "id", "No research run '" + id + "' of this account.");
      }
      return run;
    });
  }

  private void cancel(RoutingContext ctx) {
    owned(ctx).onSuccess(run -> {
      // no new section starts; the one in flight finishes on the normal path (charged for what it produced)
      run.cancel();
      json(ctx.response(), 202, view(run));
    }).onFailure(e -> ErrorRenderer.send(ctx.response(), e));
  }

  private void report(RoutingContext ctx, boolean html) {
    owned(ctx).onSuccess(run -> {
      String text = html ? run.reportHtml() : run.report();
      if (text == null) {
        ErrorRenderer.send(ctx.response(), ApiException.conflict("research_run_running", "Run " + run.id
            + " has not ended: its report is written when it does."));
        return;
      }
      ctx.response().putHeader("content-type", html ? "text/html; charset=utf-8" : "text/markdown; charset=utf-8").end(text);
    }).onFailure(e -> ErrorRenderer.send(ctx.response(), e));
  }

  private void events(RoutingContext ctx) {
    owned(ctx).onSuccess(run -> {
      HttpServerResponse response = ctx.response();
      response.setChunked(true).putHeader("content-type", "text/event-stream").putHeader("cache-control", "no-cache");
      var context = vertx.getOrCreateContext();
      Consumer<String> listener = new Consumer<>() {
        @Override
        public void accept(String event) {
          context.runOnContext(v -> send(response, event, this, run));
        }
      };
      // a client that leaves stops listening; the run goes on, and its envelope still bounds it
      response.closeHandler(v -> run.unlisten(listener));
      List<String> past = run.listen(listener);
      past.forEach(e -> send(response, e, listener, run));
    }).onFailure(e -> ErrorRenderer.send(ctx.response(), e));
  }

  private static void send(HttpServerResponse response, String event, Consumer<String> listener, ResearchRun run) {
    if (response.ended() || response.closed()) {
      return;
    }
    response.write("data: " + event + "\n\n");
    if (event.contains("\"type\":\"run.ended\"")) {
      run.unlisten(listener);
      response.end();
    }
  }

  private Map<String, Object> view(ResearchRun run) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("object", "research.run");
    out.put("id", run.id);
    out.put("quote_id", run.quote.id());
    out.put("symbol", run.quote.symbol());
    out.put("mode", run.quote.mode().name());
    out.put("status", run.status());
    out.put("envelope", run.quote.maxByBucket());
    List<Map<String, Object>> sections = new ArrayList<>();
    Map<Bucket, Long> charged = new java.util.EnumMap<>(Bucket.class);
    for (SectionResult r : run.results()) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("id", r.id());
      s.put("status", r.status());
      s.put("receipt", r.receiptId());
      s.put("requested_model", r.requestedModel());
      s.put("upstream_model", r.upstreamModel());
      s.put("leg", r.leg());
      s.put("fallback", r.fallback());
      s.put("bucket", r.bucket());
      s.put("charged_micros", r.chargedMicros());
      s.put("transfer_id", r.transferId());
      s.put("error", r.error());
      sections.add(s);
      if (r.bucket() != null) {
        charged.merge(Bucket.valueOf(r.bucket()), r.chargedMicros(), Long::sum);
      }
    }
    out.put("sections", sections);
    out.put("charged", charged);
    return out;
  }

  private static void json(HttpServerResponse response, int status, Object body) {
    response.setStatusCode(status).putHeader("content-type", "application/json").end(Json.write(body));
  }
}
