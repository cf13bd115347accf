package io.tollgate.limits;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Usage of every limit counter in memory. Only the store's writer thread changes them (inside the same
 * transactions that write holds and charges), so check-then-reserve is atomic without locks; other threads
 * only read, for display.
 */
final class Counters {
  /** One counter: what was spent (settled) and what requests in flight hold. */
  static final class Counter {
    volatile long spent;
    volatile long held;
  }

  private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();

  Counter get(String key) {
    return counters.computeIfAbsent(key, k -> new Counter());
  }

  /** A read-only look: zeros when the counter was never touched. */
  long[] peek(String key) {
    Counter c = counters.get(key);
    return c == null ? new long[] {0, 0} : new long[] {c.spent, c.held};
  }

  /**
   * Forgets counters of windows that ended long ago and that nothing holds: admission only ever looks at the
   * current window, so without this a long-running gateway would keep one counter per subject per minute.
   * Their settled usage stays in the store. Writer thread only.
   */
  int prune(java.time.Instant now) {
    int before = counters.size();
    counters.entrySet().removeIf(e -> e.getValue().held == 0
        && Window.endedLongBefore(Reservation.windowKeyOf(e.getKey()), now));
    return before - counters.size();
  }

  int size() {
    return counters.size();
  }

  void clear() {
    counters.clear();
  }
}
