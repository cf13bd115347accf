package io.tollgate.receipts;

/**
 * The prices a receipt was computed with, per million tokens in micro-units of the bucket, after multipliers: prompt
 * tokens at {@code input}, cache reads at {@code cachedInput}, cache writes at {@code cacheWrite}, completion tokens
 * at {@code output}.
 */
public record AppliedPrice(long inputMicrosPerMTok, long outputMicrosPerMTok, long cachedInputMicrosPerMTok,
    long cacheWriteMicrosPerMTok, long multiplierPpm) {}
