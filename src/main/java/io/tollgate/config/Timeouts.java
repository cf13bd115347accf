package io.tollgate.config;

/** Per-channel timeouts, in milliseconds. */
public record Timeouts(long connectMs, long firstByteMs, long idleMs, long totalMs) {
  public static final Timeouts DEFAULTS = new Timeouts(5_000, 60_000, 60_000, 600_000);
}
