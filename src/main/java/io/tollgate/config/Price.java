package io.tollgate.config;

/**
 * Prices in micro-units of the paying bucket's currency per million tokens.
 * A cached-input price of zero means the provider bills cached input at the input price.
 */
public record Price(long inputMicrosPerMTok, long outputMicrosPerMTok, long cachedInputMicrosPerMTok) {
  public Price {
    if (inputMicrosPerMTok < 0 || outputMicrosPerMTok < 0 || cachedInputMicrosPerMTok < 0) {
      throw new IllegalArgumentException("prices must be >= 0");
    }
  }
}
