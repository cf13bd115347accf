package io.tollgate.config;

/**
 * Prices in micro-units of the paying bucket's currency per million tokens. Cached prompt tokens are billed at
 * {@code cachedInputMicrosPerMTok} exactly as it stands, so zero means free. A price written without
 * {@code cached_input} gets the input price here (see {@code ConfigLoader}): cached tokens then cost as much as
 * any other prompt token.
 */
public record Price(long inputMicrosPerMTok, long outputMicrosPerMTok, long cachedInputMicrosPerMTok) {
  public Price {
    if (inputMicrosPerMTok < 0 || outputMicrosPerMTok < 0 || cachedInputMicrosPerMTok < 0) {
      throw new IllegalArgumentException("prices must be >= 0");
    }
  }
}
