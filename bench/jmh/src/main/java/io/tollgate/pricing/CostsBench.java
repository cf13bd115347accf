package io.tollgate.pricing;

import io.tollgate.config.Multipliers;
import io.tollgate.config.Price;
import io.tollgate.config.RouteType;
import io.tollgate.receipts.AppliedPrice;
import io.tollgate.receipts.Usage;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** The exact cost arithmetic done for every attempt (worst case before, actual cost after). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CostsBench {
  // non-final fields so the JIT cannot fold the arithmetic away
  private Price price = new Price(500_000, 2_000_000, 250_000, 500_000);
  private Usage usage = new Usage(1_234, 567, 200, "measured");
  private Multipliers multipliers = new Multipliers(1_100_000, Map.of(RouteType.ROUTED, 950_000L));
  private RouteType type = RouteType.ROUTED;
  private long promptTokens = 1_360;
  private long maxOutputTokens = 16_384;

  @Benchmark
  public long costMicros() {
    return Costs.costMicros(price, usage, multipliers, type);
  }

  @Benchmark
  public long worstCaseMicros() {
    return Costs.worstCaseMicros(price, promptTokens, maxOutputTokens, multipliers, type);
  }

  @Benchmark
  public AppliedPrice applied() {
    return Costs.applied(price, multipliers, type);
  }
}
