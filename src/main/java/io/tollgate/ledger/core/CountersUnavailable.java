package io.tollgate.ledger.core;

/**
 * The shared counters ({@link SharedCounters}) cannot be asked now (unreachable, or being rebuilt after a restart):
 * admission fails closed, and nothing reaches an upstream without a hold.
 */
public final class CountersUnavailable extends RuntimeException {
  private final long retryAfterSeconds;

  public CountersUnavailable(String message, long retryAfterSeconds, Throwable cause) {
    super(message, cause, false, false);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** When a client may try again. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
