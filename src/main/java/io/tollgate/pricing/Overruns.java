package io.tollgate.pricing;

import io.tollgate.config.RouteType;
import io.tollgate.receipts.Usage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a route's upstreams were seen to bill beyond a hold, so that an overrun is charged (and marked on its
 * receipt) once but does not repeat. Two lessons: a prompt billed above the gateway's count plus its margin raises
 * later prompt holds by the largest ratio seen (at most {@link #MAX_PROMPT_FACTOR_PPM}); output beyond the
 * forwarded cap means the upstream ignores {@code max_tokens}, so later holds reserve the model's whole output cap
 * whatever the request asks. Lessons only grow and live in memory: after a restart the first overrun teaches them
 * again.
 */
public final class Overruns {
  static final long ONE = 1_000_000L;
  /** Prompt holds are never raised beyond 16 times their base: a ratio above that is an upstream to fix. */
  static final long MAX_PROMPT_FACTOR_PPM = 16 * ONE;

  /**
   * What holds on one route have learnt.
   *
   * @param promptPpm the prompt hold's multiplier, in parts per million
   * @param ignoresOutputCap whether an upstream of the route wrote past the cap it was sent
   */
  public record Factors(long promptPpm, boolean ignoresOutputCap) {
    public static final Factors NONE = new Factors(ONE, false);

    long scalePrompt(long tokens) {
      return promptPpm == ONE ? tokens
          : Math.addExact(Math.multiplyExact(tokens, promptPpm / ONE), ceilDiv(tokens * (promptPpm % ONE), ONE));
    }

    Factors merge(Factors other) {
      return new Factors(Math.max(promptPpm, other.promptPpm), ignoresOutputCap || other.ignoresOutputCap);
    }
  }

  private final ConcurrentHashMap<String, Factors> byRoute = new ConcurrentHashMap<>();

  /** What holds on the route of {@code model} and {@code type} have learnt. */
  public Factors of(String model, RouteType type) {
    return byRoute.getOrDefault(key(model, type), Factors.NONE);
  }

  /**
   * Learns from one attempt's usage against the demand it was held for. Returns true when the usage exceeded what
   * the hold reserved, in prompt or in output tokens. Only the upstream's own believed counts teach anything: the
   * gateway's estimate of a completion uses another tokenizer than the upstream's cap, and may pass it by a few
   * tokens without the upstream having ignored anything.
   */
  public boolean record(String model, RouteType type, Demand demand, Usage usage) {
    boolean promptOver = usage.promptTokens() > demand.holdPromptTokens();
    boolean outputOver = usage.completionTokens() > demand.maxOutputTokens();
    boolean measured = "measured".equals(usage.source());
    if (measured && (promptOver || usage.completionTokens() > demand.baseOutputTokens())) {
      long promptPpm = promptOver ? ratioPpm(usage.promptTokens(), demand.basePromptTokens()) : ONE;
      byRoute.merge(key(model, type), new Factors(promptPpm, usage.completionTokens() > demand.baseOutputTokens()),
          Factors::merge);
    }
    return promptOver || outputOver;
  }

  private static long ratioPpm(long actual, long base) {
    // both are bounded token counts (well under a billion): the product fits a long
    return Math.min(MAX_PROMPT_FACTOR_PPM, Math.max(ONE, ceilDiv(actual * ONE, Math.max(1, base))));
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

  private static String key(String model, RouteType type) {
    return model + "\u0000" + type.wireName();
  }
}
