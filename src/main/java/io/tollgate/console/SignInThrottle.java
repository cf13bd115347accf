package io.tollgate.console;

import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows and then limits failed sign-ins per name: an e-mail (or "admin-token"), or a client address. Each failure in
 * a window adds to the delay of the next answer, and after the throttle's maximum of failures the name is locked
 * until the window ends, right password or not. Time comes from the injected clock.
 */
final class SignInThrottle {
  /** Failures per e-mail (or the admin-token form) in a window. */
  static final int MAX_FAILURES = 5;
  /**
   * Failures per client address in a window: one address cannot try many names. Higher than per name, since several
   * people may share an address (an office behind one NAT).
   */
  static final int MAX_FAILURES_PER_ADDRESS = 20;
  static final long WINDOW_MS = 15 * 60_000L;
  private static final long DELAY_STEP_MS = 200;
  private static final int MAX_TRACKED = 100_000;

  private record Failures(int count, long windowStartMs) {}

  private final ConcurrentHashMap<String, Failures> failures = new ConcurrentHashMap<>();
  private final Clock clock;
  private final int maxFailures;

  /** A throttle per e-mail, locking after {@link #MAX_FAILURES}. */
  SignInThrottle(Clock clock) {
    this(clock, MAX_FAILURES);
  }

  SignInThrottle(Clock clock, int maxFailures) {
    this.clock = clock;
    this.maxFailures = maxFailures;
  }

  /** When the name is locked, the epoch millisecond it unlocks; 0 when it may try. */
  long lockedUntil(String name) {
    Failures f = current(name);
    return f != null && f.count() >= maxFailures ? f.windowStartMs() + WINDOW_MS : 0;
  }

  /**
   * Takes one attempt for {@code name} before its password is checked: when the name is locked, returns when it
   * unlocks (and takes nothing); otherwise counts the attempt, atomically, and returns 0. Counting before the check
   * (a success clears the count) is what stops guesses sent at once from all passing a lock not yet reached. When the
   * table is full of live entries, a name it does not know is refused rather than letting older entries go.
   */
  long attempt(String name) {
    long now = clock.millis();
    String key = key(name);
    if (failures.size() >= MAX_TRACKED && !failures.containsKey(key)) {
      failures.entrySet().removeIf(e -> now - e.getValue().windowStartMs() >= WINDOW_MS);
      if (failures.size() >= MAX_TRACKED) {
        return now + WINDOW_MS;
      }
    }
    long[] locked = {0};
    failures.compute(key, (k, old) -> {
      if (old == null || now - old.windowStartMs() >= WINDOW_MS) {
        return new Failures(1, now);
      }
      if (old.count() >= maxFailures) {
        locked[0] = old.windowStartMs() + WINDOW_MS;
        return old;
      }
      return new Failures(old.count() + 1, old.windowStartMs());
    });
    return locked[0];
  }

  /** After a failed attempt ({@link #attempt} counted it): how long to hold the answer back. */
  long failed(String name) {
    Failures f = current(name);
    return Math.min(f == null ? 1 : f.count(), MAX_FAILURES) * DELAY_STEP_MS;
  }

  void succeeded(String name) {
    failures.remove(key(name));
  }

  /**
   * Gives back the attempt {@link #attempt} counted for a sign-in that succeeded, without forgetting the failures
   * before it: for a client address, where signing in to one's own account must not wipe the guesses at others'.
   */
  void refund(String name) {
    failures.computeIfPresent(key(name), (k, old) -> old.count() <= 1 ? null : new Failures(old.count() - 1, old.windowStartMs()));
  }

  private Failures current(String name) {
    Failures f = failures.get(key(name));
    return f == null || clock.millis() - f.windowStartMs() >= WINDOW_MS ? null : f;
  }

  private static String key(String name) {
    return name.trim().toLowerCase(Locale.ROOT);
  }

  /**
   * What failures from {@code hostAddress} count under: the address itself for IPv4 (an IPv4-mapped IPv6 address
   * included), its /64 network for IPv6. One IPv6 host usually holds a whole /64, so counting each address apart
   * would give it billions of fresh counts.
   */
  static String addressKey(String hostAddress) {
    if (hostAddress == null || !hostAddress.contains(":")) {
      return "address " + hostAddress;
    }
    java.net.InetAddress address;
    try {
      // an IPv6 literal (it has a colon, so it is parsed, never looked up), without its zone
      int zone = hostAddress.indexOf('%');
      address = java.net.InetAddress.getByName(zone < 0 ? hostAddress : hostAddress.substring(0, zone));
    } catch (java.net.UnknownHostException e) {
      return "address " + hostAddress;
    }
    if (!(address instanceof java.net.Inet6Address)) {
      return "address " + address.getHostAddress();
    }
    byte[] network = java.util.Arrays.copyOf(address.getAddress(), 16);
    java.util.Arrays.fill(network, 8, 16, (byte) 0);
    try {
      return "network " + java.net.InetAddress.getByAddress(network).getHostAddress() + "/64";
    } catch (java.net.UnknownHostException impossible) {
      throw new IllegalStateException(impossible);
    }
  }
}
