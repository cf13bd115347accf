package io.tollgate.proxy;

/**
 * Whether the request path moves money. {@link #OFF} serves requests with authentication, validation, routing and
 * fallback but without prompt counting, holds, limits, charges or receipts: it exists to measure what accounting
 * costs ({@code tollgate serve --no-accounting}, bench/run.sh) and is never the default.
 */
public enum Accounting {
  ON,
  OFF;

  /** The response header that tells a client its request was not accounted. */
  public static final String OFF_HEADER = "x-tollgate-accounting";
}
