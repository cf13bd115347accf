package io.tollgate.ledger.core;

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
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The accounting core alone, one request's money decisions: admit over a two-leg routed route with three limits
 * (route daily spend, key daily tokens, key minute requests), reserve the admitted attempt, post it at a cost
 * below the hold. No store: this is the floor the journal's appends add to.
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AccountingCoreBench {
  private AccountingCore core;
  private AdmitRequest request;
  private long sequence;

  @Setup(Level.Trial)
  public void setUp() {
    core = new AccountingCore();
    core.topUp("t1", "acct-1", Bucket.RMB, 900_000_000_000_000L);
    Route route = new Route("bench-chat", RouteType.ROUTED, List.of(
        new Leg("relay-a", "up-chat", new Price(500_000, 2_000_000, 250_000, 500_000), Bucket.RMB),
        new Leg("relay-b", "up-chat", new Price(450_000, 1_800_000, 250_000, 450_000), Bucket.RMB)),
        FallbackPolicy.defaults(2));
    Instant resets = Instant.parse("2026-12-04T00:00:00Z");
    List<LimitPlanner.Applicable> limits = List.of(
        new LimitPlanner.Applicable(limit("cfg_route", Scope.ROUTE, Metric.SPEND, Bucket.RMB, Window.DAY),
            "cfg_route|operator|2026-12-03", resets),
        new LimitPlanner.Applicable(limit("lim_tokens", Scope.KEY, Metric.TOKENS, null, Window.DAY),
            "lim_tokens|key-1|2026-12-03", resets),
        new LimitPlanner.Applicable(limit("lim_requests", Scope.KEY, Metric.REQUESTS, null, Window.MINUTE),
            "lim_requests|key-1|m29453121", resets));
    // a 1,234-token prompt with its margin, max_tokens 512
    Demand demand = new Demand(1_234, 1_373, 1_373, 512, 512, 512);
    request = AdmitRequest.first("acct-1", route, false, new Multipliers(1_000_000, Map.of()), demand,
        LegHealth.ALL_HEALTHY, leg -> limits);
  }

  private static Limit limit(String id, Scope scope, Metric metric, Bucket bucket, Window window) {
    return new Limit(id, scope, null, "bench-chat", RouteType.ROUTED, null, metric, bucket, window, Long.MAX_VALUE / 4, false, "config");
  }

  /** admit + reserve + post: what one request asks of the core. */
  @Benchmark
  public PostOutcome admitReservePost() {
    long n = ++sequence;
    Admission admission = core.admit(request);
    Attempt attempt = admission.attempt("hold_" + n, "req_" + n, "acct-1", Long.MAX_VALUE);
    Hold hold = (Hold) core.reserve(attempt);
    return core.post(hold.id(), hold.amountMicros() / 3, 1_500);
  }

  /** admit alone: what a quote asks of the core. */
  @Benchmark
  public Admission admit() {
    return core.admit(request);
  }
}
