package io.tollgate.ledger.core;

/**
 * What the leg walk asks of channel health, by leg index. The core asks {@link #admits} at most once per leg, in
 * leg order, and only for a leg the skip rules let through: exactly where the request path takes a half-open probe.
 */
public interface LegHealth {
  LegHealth ALL_HEALTHY = new LegHealth() {
    @Override
    public boolean admits(int legIndex) {
      return true;
    }

    @Override
    public boolean available(int legIndex) {
      return true;
    }
  };

  /** Whether leg {@code legIndex}'s channel takes a request now; the request path may take its probe slot here. */
  boolean admits(int legIndex);

  /** Whether leg {@code legIndex}'s channel would take a request now, taking nothing: the look-ahead. */
  boolean available(int legIndex);

  /** Whether a leg after {@code index}, of {@code legs}, is on a channel that would take a request now. */
  default boolean availableAfter(int index, int legs) {
    for (int i = index + 1; i < legs; i++) {
      if (available(i)) {
        return true;
      }
    }
    return false;
  }
}
