package io.tollgate.config;

/**
 * Prices in micro-units of the paying bucket's currency per million tokens. Cached prompt tokens (cache reads) are
 * billed at {@code cachedInputMicrosPerMTok} and prompt tokens the upstream wrote to its cache (Anthropic's
 * {@code cache_creation_input_tokens}) at {@code cacheWriteMicrosPerMTok}, each exactly as it stands, so zero means
 * free. A price written without {@code cached_input} or {@code cache_write} gets the input price there (see
 * {@code ConfigLoader}): those tokens then cost as much as any other prompt token.
 */
public record Price(long inputMicrosPerMTok, long outputMicrosPerMTok, long cachedInputMicrosPerMTok,
    long cacheWriteMicrosPerMTok) {
  public Price {
    if (inputMicrosPerMTok < 0 || outputMicrosPerMTok < 0 || cachedInputMicrosPerMTok < 0 || cacheWriteMicrosPerMTok < 0) {
      throw new IllegalArgumentException("prices must be >= 0");
    }
  }
}
