package io.tollgate.pricing;

import java.util.concurrent.ConcurrentHashMap;

/**
 * What the gateway has measured of each catalog model's answers: the mean completion tokens of its recent
 * successful requests (an exponentially weighted mean, so it follows change), for expected-cost quotes. The gateway
 * keeps it in the store ({@link OutputStatsSql}) every sweep and at a stop, and reads it back at start-up, so what it
 * learnt survives a restart (a crash loses at most one sweep's worth).
 */
public final class OutputStats {
  /** Weight of the newest observation, in 1/1000. */
  private static final long ALPHA_PERMILLE = 100;

  private static final class Mean {
    long samples;
    long meanMilli;
  }

  private final ConcurrentHashMap<String, Mean> byModel = new ConcurrentHashMap<>();

  public void record(String model, long completionTokens) {
    byModel.compute(model, (k, mean) -> {
      Mean m = mean == null ? new Mean() : mean;
      long value = completionTokens * 1000;
      m.meanMilli = m.samples == 0 ? value : m.meanMilli + (value - m.meanMilli) * ALPHA_PERMILLE / 1000;
      m.samples++;
      return m;
    });
  }

  /** Every model's {@code [samples, mean in thousandths of a token]}, to keep. */
  public java.util.Map<String, long[]> state() {
    java.util.Map<String, long[]> out = new java.util.TreeMap<>();
    synchronized (this) {
      byModel.forEach((model, m) -> out.put(model, new long[] {m.samples, m.meanMilli}));
    }
    return out;
  }

  /** Puts back what {@link #state} gave, for models not measured since. */
  public void restore(java.util.Map<String, long[]> state) {
    state.forEach((model, kept) -> byModel.computeIfAbsent(model, k -> {
      Mean m = new Mean();
      m.samples = kept[0];
      m.meanMilli = kept[1];
      return m;
    }));
  }

  /** {@code [samples, mean completion tokens]}, or {@code [0, 0]} when nothing was measured yet. */
  public long[] of(String model) {
    Mean m = byModel.get(model);
    if (m == null) {
      return new long[] {0, 0};
    }
    synchronized (this) {
      return new long[] {m.samples, (m.meanMilli + 999) / 1000};
    }
  }
}
