package io.tollgate.health;

/**
 * A circuit breaker for one channel, on an injected clock. Closed: requests pass and consecutive failures are
 * counted. Open (after {@code threshold} of them): requests are refused until the cooldown has passed; then
 * exactly one probe passes (half open). The probe's success closes the breaker, its failure opens it again.
 * All methods are called under the owning {@link ChannelHealth}'s lock.
 */
final class Breaker {
  enum State { CLOSED, OPEN, HALF_OPEN }

  private State state = State.CLOSED;
  private int consecutiveFailures;
  private long openedAtMs;
  private boolean probeInFlight;

  /** The state as last set, without moving an open breaker whose cooldown has passed to half open. */
  State current() {
    return state;
  }

  State state(long nowMs, long cooldownMs) {
    if (state == State.OPEN && nowMs - openedAtMs >= cooldownMs) {
      state = State.HALF_OPEN;
      probeInFlight = false;
    }
    return state;
  }

  /** Whether a request may go now; in half-open state the first caller becomes the probe. */
  boolean tryAcquire(long nowMs, long cooldownMs) {
    return switch (state(nowMs, cooldownMs)) {
      case CLOSED -> true;
      case OPEN -> false;
      case HALF_OPEN -> {
        if (probeInFlight) {
          yield false;
        }
        probeInFlight = true;
        yield true;
      }
    };
  }

  /** Whether a request could go now, without taking the probe. */
  boolean available(long nowMs, long cooldownMs) {
    State current = state(nowMs, cooldownMs);
    return current == State.CLOSED || current == State.HALF_OPEN && !probeInFlight;
  }

  void success() {
    state = State.CLOSED;
    consecutiveFailures = 0;
    probeInFlight = false;
  }

  void failure(long nowMs, int threshold) {
    consecutiveFailures++;
    if (state == State.HALF_OPEN || consecutiveFailures >= threshold) {
      state = State.OPEN;
      openedAtMs = nowMs;
      probeInFlight = false;
    }
  }

  /** The attempt ended without telling anything about the channel (the client left): free the probe slot. */
  void abandoned() {
    probeInFlight = false;
  }

  int consecutiveFailures() {
    return consecutiveFailures;
  }

  long openedAtMs() {
    return openedAtMs;
  }
}
