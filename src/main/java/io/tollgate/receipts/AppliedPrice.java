package io.tollgate.receipts;

/** The prices a receipt was computed with, per million tokens in micro-units of the bucket, after multipliers. */
public record AppliedPrice(long inputMicrosPerMTok, long outputMicrosPerMTok, long cachedInputMicrosPerMTok, long multiplierPpm) {}
