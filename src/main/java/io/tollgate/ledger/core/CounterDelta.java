package io.tollgate.ledger.core;

/**
 * How ending a hold moved one counter: {@code released} leaves its held part, {@code used} joins its spent part
 * (zero for a void). {@code excess} is the use beyond what was reserved, the only way a counter may pass its cap.
 */
public record CounterDelta(String counter, long released, long used) {
  public long excess() {
    return Math.max(0, used - released);
  }
}
