package io.tollgate.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.store.Store;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's meters, scraped at {@code GET /admin/metrics} with the admin token. Only operational figures:
 * no key, account or model appears in a label, so a scrape tells nothing about who spent what. Money is not
 * exported either: its record is the ledger, in integers, not a floating-point counter.
 */
public final class GatewayMetrics implements AutoCloseable {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  /** The router's route patterns, taken once every route is mounted; every instance mounts the same ones. */
  private volatile RoutePatterns routes = new RoutePatterns(java.util.List.of());

  public GatewayMetrics(Store store) {
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    FunctionCounter.builder("tollgate.store.commits", store, s -> s.commitCounts()[0])
        .description("Transactions committed by the store's single writer")
        .register(registry);
    FunctionCounter.builder("tollgate.store.committed.tasks", store, s -> s.commitCounts()[1])
        .description("Pieces of work (a hold, a charge, a receipt...) those transactions committed; over commits, how much group commit batched")
        .register(registry);
    io.tollgate.store.JournalLockMeter lock = store.journalLock();
    if (lock != null) {
      // on a shared store: where the cluster's write transactions serialize (docs/scale-out.md, sizing)
      FunctionCounter.builder("tollgate.store.journal.lock.acquisitions", lock, l -> l.acquisitions())
          .description("Write transactions that took the journal's advisory lock")
          .register(registry);
      FunctionCounter.builder("tollgate.store.journal.lock.wait", lock, l -> l.waitNanos() / 1e9).baseUnit("seconds")
          .description("Time this process's writer waited for the journal's advisory lock, other processes holding it")
          .register(registry);
      FunctionCounter.builder("tollgate.store.journal.lock.held", lock, l -> l.heldNanos() / 1e9).baseUnit("seconds")
          .description("Time this process held the journal's advisory lock; summed over processes per second of wall"
              + " time, how busy the lock is")
          .register(registry);
      FunctionCounter.builder("tollgate.store.journal.catchup", lock, l -> l.catchUpNanos() / 1e9).baseUnit("seconds")
          .description("Of the time the lock was held, the part spent applying the events other processes appended")
          .register(registry);
    }
  }

  /**
   * The journal's committed events that the projections (balances, holds, transfers, limit usage) have not applied
   * yet: a few hundred at most in health; a number that keeps growing means projections are failing (see the log).
   */
  public void journalLag(java.util.function.LongSupplier behind) {
    io.micrometer.core.instrument.Gauge.builder("tollgate.journal.unprojected.events", behind::getAsLong)
        .description("Committed journal events the projections have not applied yet")
        .register(registry);
  }

  /**
   * Projection passes run outside the journal's lock on a shared store ({@code tollgate.journal.projection.passes}),
   * by outcome: {@code done}, {@code busy} when another process was projecting and the pass was skipped, or
   * {@code failed} for a pass that failed and was undone alone (per attempt).
   */
  public void projectionPasses(java.util.function.LongSupplier done, java.util.function.LongSupplier busy,
      java.util.function.LongSupplier failed) {
    // Micrometer holds a function counter's object weakly: the suppliers are kept here, and the counters read them
    // through this object, which lives as long as the registry
    passesDone = done;
    passesBusy = busy;
    passesFailed = failed;
    FunctionCounter.builder("tollgate.journal.projection.passes", this, m -> m.passesDone.getAsLong())
        .tag("outcome", "done")
        .description("Projection passes outside the journal's lock: done, or skipped while another process projected")
        .register(registry);
    FunctionCounter.builder("tollgate.journal.projection.passes", this, m -> m.passesBusy.getAsLong())
        .tag("outcome", "busy")
        .description("Projection passes outside the journal's lock: done, or skipped while another process projected")
        .register(registry);
    FunctionCounter.builder("tollgate.journal.projection.passes", this, m -> m.passesFailed.getAsLong())
        .tag("outcome", "failed")
        .description("Projection passes that failed and were undone alone, counted per attempt")
        .register(registry);
  }

  private volatile java.util.function.LongSupplier passesDone;
  private volatile java.util.function.LongSupplier passesFailed;
  private volatile java.util.function.LongSupplier passesBusy;

  /**
   * Counts the reloads this process made because another process sharing the store was asked to reload, by whether
   * its own file was accepted or rejected (the log then says why).
   */
  public void clusterReload(boolean accepted) {
    registry.counter("tollgate.config.cluster.reloads", "outcome", accepted ? "accepted" : "rejected").increment();
  }

  /**
   * Times every request by its route's pattern (never its raw path, which would carry ids) and its status. Mount
   * it before any other route, so that it sees every request, refused ones included.
   */
  public void mountRecorder(Router router) {
    router.route().handler(this::record);
  }

  /**
   * Serves the scrape. Mount it after the admin routes' token check and after every other route: the patterns
   * requests are named by are read from the router here.
   */
  public void mountScrape(Router router) {
    router.get("/admin/metrics").handler(ctx -> ctx.response()
        .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
        .end(registry.scrape()));
    routes = new RoutePatterns(router.getRoutes().stream().map(Route::getPath).toList());
  }

  /**
   * Starts counting the upstream time of a proxied request; at the request's end, its time minus that is
   * recorded as what the gateway added ({@code tollgate.proxy.overhead}), if it reached an upstream at all.
   */
  public UpstreamTime upstreamTime(RoutingContext ctx, String endpoint, boolean accounted) {
    UpstreamTime upstream = new UpstreamTime(registry.config().clock(), endpoint, accounted);
    ctx.put(UPSTREAM_TIME, upstream);
    return upstream;
  }

  private static final String UPSTREAM_TIME = "tollgate.metrics.upstream-time";

  /**
   * Counts one leg of a request's walk: an upstream attempt by channel and outcome ({@code tollgate.upstream.attempts},
   * {@code ok}, {@code http_5xx}, {@code timeout_first_byte}, ...), or a leg skipped without a call
   * ({@code tollgate.legs.skipped} by reason; a leg skipped by its limits also counts on
   * {@code tollgate.limit.refusals} by the limit's label). The channel's breaker state is exported as
   * {@code tollgate.channel.breaker.state} (0 closed, 1 half-open, 2 open or waiting out a Retry-After).
   */
  public void leg(String channel, String outcome, java.util.function.Supplier<Object> breakerState) {
    if (outcome.startsWith("skipped_")) {
      registry.counter("tollgate.legs.skipped", "channel", channel, "reason", outcome.endsWith("_limit") ? "limit" : outcome)
          .increment();
      if (outcome.endsWith("_limit")) {
        String label = outcome.substring("skipped_".length(), outcome.length() - "_limit".length());
        registry.counter("tollgate.limit.refusals", "limit", label).increment();
      }
      return;
    }
    registry.counter("tollgate.upstream.attempts", "channel", channel, "outcome", outcome).increment();
    if (watchedBreakers.add(channel)) {
      io.micrometer.core.instrument.Gauge.builder("tollgate.channel.breaker.state", () -> switch (String.valueOf(breakerState.get())) {
            case "closed" -> 0;
            case "half_open" -> 1;
            default -> 2;
          })
          .description("The channel's circuit breaker: 0 closed, 1 half-open, 2 open (or waiting out a Retry-After)")
          .tag("channel", channel)
          .register(registry);
    }
  }

  private final java.util.Set<String> watchedBreakers = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Counts the end of a request: a fallback when another leg than the primary ran, and the tokens it used. */
  public void finished(String model, String routeType, boolean fallback, long promptTokens, long completionTokens) {
    if (fallback) {
      registry.counter("tollgate.fallbacks", "model", model, "route_type", routeType).increment();
    }
    if (promptTokens > 0) {
      registry.counter("tollgate.tokens", "model", model, "route_type", routeType, "kind", "prompt").increment(promptTokens);
    }
    if (completionTokens > 0) {
      registry.counter("tollgate.tokens", "model", model, "route_type", routeType, "kind", "completion")
          .increment(completionTokens);
    }
  }

  /**
   * Counts an answer that cost more than its hold ({@code tollgate.holds.exceeded}) and by how much
   * ({@code tollgate.holds.excess.micros}), by catalog model, route type and bucket: an upstream billing past what
   * the gateway reserved is the operator's to chase.
   */
  public void holdExceeded(String model, String routeType, String bucket, long excessMicros) {
    io.micrometer.core.instrument.Tags tags = io.micrometer.core.instrument.Tags.of("model", model, "route_type", routeType,
        "bucket", bucket);
    registry.counter("tollgate.holds.exceeded", tags).increment();
    registry.counter("tollgate.holds.excess.micros", tags).increment(excessMicros);
  }

  private void record(RoutingContext ctx) {
    long started = registry.config().clock().monotonicTime();
    ctx.addEndHandler(done -> {
      long total = registry.config().clock().monotonicTime() - started;
      Timer.builder("tollgate.http.server.requests")
          .tag("method", methodLabel(ctx.request().method()))
          .tag("route", routes.name(ctx.normalizedPath()))
          .tag("status", Integer.toString(ctx.response().getStatusCode()))
          .serviceLevelObjectives(LATENCY_BUCKETS)
          .register(registry)
          .record(total, TimeUnit.NANOSECONDS);
      UpstreamTime upstream = ctx.get(UPSTREAM_TIME);
      if (upstream != null && upstream.called()) {
        recordOverhead(upstream, total);
      }
    });
    ctx.next();
  }

  private void recordOverhead(UpstreamTime upstream, long totalNanos) {
    // an attempt still open here ended with the response (a client that went away, say)
    upstream.ended();
    Timer.builder("tollgate.proxy.overhead")
        .description("What the gateway added to a proxied request: its time minus the time spent on upstreams")
        .tag("endpoint", upstream.endpoint())
        .tag("accounting", upstream.accounted() ? "on" : "off")
        .tag("stream", Boolean.toString(upstream.stream()))
        .serviceLevelObjectives(OVERHEAD_BUCKETS)
        .register(registry)
        .record(Math.max(0, totalNanos - upstream.spentNanos()), TimeUnit.NANOSECONDS);
  }

  /**
   * Histogram buckets, so that a scrape gives percentiles: from what the gateway adds on a fast route to the
   * length of a long streamed answer. Ten buckets per series keep a scrape small.
   */
  private static final java.time.Duration[] LATENCY_BUCKETS = java.util.stream.LongStream
      .of(1, 5, 25, 100, 250, 1_000, 5_000, 15_000, 60_000, 300_000)
      .mapToObj(java.time.Duration::ofMillis).toArray(java.time.Duration[]::new);

  /** Finer buckets for what the gateway adds: its targets are in hundreds of microseconds. */
  private static final java.time.Duration[] OVERHEAD_BUCKETS = java.util.stream.LongStream
      .of(100, 150, 250, 500, 1_000, 2_500, 5_000, 10_000, 50_000, 250_000)
      .mapToObj(micros -> java.time.Duration.ofNanos(micros * 1_000)).toArray(java.time.Duration[]::new);

  /** The standard methods by name; anything else a client invents is one label, never a new series each. */
  static String methodLabel(HttpMethod method) {
    return STANDARD_METHODS.contains(method) ? method.name() : "OTHER";
  }

  private static final java.util.Set<HttpMethod> STANDARD_METHODS = java.util.Set.of(HttpMethod.GET, HttpMethod.POST,
      HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.PATCH, HttpMethod.HEAD, HttpMethod.OPTIONS);

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
