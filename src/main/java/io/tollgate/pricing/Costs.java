package io.tollgate.pricing;

import io.tollgate.config.Multipliers;
import io.tollgate.config.Price;
import io.tollgate.config.RouteType;
import io.tollgate.receipts.AppliedPrice;
import io.tollgate.receipts.Usage;
import java.math.BigInteger;

/**
 * Computes what a request costs. The whole sum is taken exactly (tokens x micro-units per million tokens x
 * both multipliers in parts per million) and divided once, rounding up, so no fraction of a micro-unit is lost
 * or invented along the way.
 */
public final class Costs {
  private static final BigInteger DIVISOR = BigInteger.valueOf(1_000_000L)   // per million tokens
      .multiply(BigInteger.valueOf(Multipliers.ONE))                          // global multiplier ppm
      .multiply(BigInteger.valueOf(Multipliers.ONE));                         // route-type multiplier ppm

  private Costs() {}

  /**
   * What {@code usage} costs at {@code price}: cache reads ({@code cachedPromptTokens}) at the cached-input price,
   * cache writes ({@code cacheWritePromptTokens}) at the cache-write price, the rest of the prompt at the input
   * price, the completion at the output price.
   */
  public static long costMicros(Price price, Usage usage, Multipliers multipliers, RouteType type) {
    long read = usage.cachedPromptTokens();
    long written = usage.cacheWritePromptTokens();
    long uncachedPrompt = Math.max(0, usage.promptTokens() - read - written);
    BigInteger base = tokens(uncachedPrompt, price.inputMicrosPerMTok())
        .add(tokens(read, price.cachedInputMicrosPerMTok()))
        .add(tokens(written, price.cacheWriteMicrosPerMTok()))
        .add(tokens(usage.completionTokens(), price.outputMicrosPerMTok()));
    return scaled(base, multipliers, type);
  }

  /**
   * The most one attempt can cost: every prompt token at the dearest price a prompt token can have (input, cache
   * read or cache write: a request cannot know which of its tokens the upstream will serve from or write to its
   * cache) and the full output allowance at the output price.
   */
  public static long worstCaseMicros(Price price, long promptTokens, long maxOutputTokens, Multipliers multipliers, RouteType type) {
    long dearestPrompt = Math.max(price.inputMicrosPerMTok(),
        Math.max(price.cachedInputMicrosPerMTok(), price.cacheWriteMicrosPerMTok()));
    BigInteger base = tokens(promptTokens, dearestPrompt).add(tokens(maxOutputTokens, price.outputMicrosPerMTok()));
    return scaled(base, multipliers, type);
  }

  /** The prices as the client pays them: list price times both multipliers, per million tokens, rounded up. */
  public static AppliedPrice applied(Price price, Multipliers multipliers, RouteType type) {
    long globalPpm = multipliers.globalPpm();
    long typePpm = multipliers.forRouteType(type);
    return new AppliedPrice(
        scale(price.inputMicrosPerMTok(), globalPpm, typePpm),
        scale(price.outputMicrosPerMTok(), globalPpm, typePpm),
        scale(price.cachedInputMicrosPerMTok(), globalPpm, typePpm),
        scale(price.cacheWriteMicrosPerMTok(), globalPpm, typePpm),
        scale(Multipliers.ONE, globalPpm, typePpm));
  }

  private static BigInteger tokens(long count, long microsPerMTok) {
    return BigInteger.valueOf(count).multiply(BigInteger.valueOf(microsPerMTok));
  }

  /** {@code base} (tokens x micro-units per million tokens) times both multipliers, divided once, rounded up. */
  private static long scaled(BigInteger base, Multipliers multipliers, RouteType type) {
    BigInteger scaled = base.multiply(BigInteger.valueOf(multipliers.globalPpm()))
        .multiply(BigInteger.valueOf(multipliers.forRouteType(type)));
    BigInteger[] qr = scaled.divideAndRemainder(DIVISOR);
    BigInteger result = qr[1].signum() > 0 ? qr[0].add(BigInteger.ONE) : qr[0];
    return result.longValueExact();
  }

  private static long scale(long micros, long globalPpm, long typePpm) {
    BigInteger product = BigInteger.valueOf(micros).multiply(BigInteger.valueOf(globalPpm)).multiply(BigInteger.valueOf(typePpm));
    BigInteger divisor = BigInteger.valueOf(Multipliers.ONE).multiply(BigInteger.valueOf(Multipliers.ONE));
    BigInteger[] qr = product.divideAndRemainder(divisor);
    return (qr[1].signum() > 0 ? qr[0].add(BigInteger.ONE) : qr[0]).longValueExact();
  }
}
