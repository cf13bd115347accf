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

  public static long costMicros(Price price, Usage usage, Multipliers multipliers, RouteType type) {
    long uncachedPrompt = Math.max(0, usage.promptTokens() - usage.cachedPromptTokens());
    BigInteger base = BigInteger.valueOf(uncachedPrompt).multiply(BigInteger.valueOf(price.inputMicrosPerMTok()))
        .add(BigInteger.valueOf(usage.cachedPromptTokens()).multiply(BigInteger.valueOf(price.cachedInputMicrosPerMTok())))
        .add(BigInteger.valueOf(usage.completionTokens()).multiply(BigInteger.valueOf(price.outputMicrosPerMTok())));
    BigInteger scaled = base.multiply(BigInteger.valueOf(multipliers.globalPpm()))
        .multiply(BigInteger.valueOf(multipliers.forRouteType(type)));
    BigInteger[] qr = scaled.divideAndRemainder(DIVISOR);
    BigInteger result = qr[1].signum() > 0 ? qr[0].add(BigInteger.ONE) : qr[0];
    return result.longValueExact();
  }

  /**
   * The most one attempt can cost: every prompt token at the input price (no cache discount assumed) and the
   * full output allowance at the output price.
   */
  public static long worstCaseMicros(Price price, long promptTokens, long maxOutputTokens, Multipliers multipliers, RouteType type) {
    return costMicros(price, new Usage(promptTokens, maxOutputTokens, 0, "worst_case"), multipliers, type);
  }

  /** The prices as the client pays them: list price times both multipliers, per million tokens, rounded up. */
  public static AppliedPrice applied(Price price, Multipliers multipliers, RouteType type) {
    long multiplier = scale(Multipliers.ONE, multipliers.globalPpm(), multipliers.forRouteType(type));
    return new AppliedPrice(
        scale(price.inputMicrosPerMTok(), multipliers.globalPpm(), multipliers.forRouteType(type)),
        scale(price.outputMicrosPerMTok(), multipliers.globalPpm(), multipliers.forRouteType(type)),
        scale(price.cachedInputMicrosPerMTok(), multipliers.globalPpm(), multipliers.forRouteType(type)),
        multiplier);
  }

  private static long scale(long micros, long globalPpm, long typePpm) {
    BigInteger product = BigInteger.valueOf(micros).multiply(BigInteger.valueOf(globalPpm)).multiply(BigInteger.valueOf(typePpm));
    BigInteger divisor = BigInteger.valueOf(Multipliers.ONE).multiply(BigInteger.valueOf(Multipliers.ONE));
    BigInteger[] qr = product.divideAndRemainder(divisor);
    return (qr[1].signum() > 0 ? qr[0].add(BigInteger.ONE) : qr[0]).longValueExact();
  }
}
