package io.tollgate.health;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** One channel's recent outcomes, breaker and Retry-After. Thread-safe; every method takes the lock briefly. */
public final class ChannelHealth {
  static final long WINDOW_MS = 5 * 60_000;
  private static final int MAX_SAMPLES = 1024;

  private record Sample(long atMs, boolean ok, long latencyMs) {}

  /** The last failure, as shown to operators. */
  public record LastError(long atMs, String outcome, String message) {}

  private final String channelId;
  private final ArrayDeque<Sample> samples = new ArrayDeque<>();
  private final Breaker breaker = new Breaker();
  private long blockedUntilMs;
  private LastError lastError;

  ChannelHealth(String channelId) {
    this.channelId = channelId;
  }

  synchronized boolean tryAcquire(long nowMs, long cooldownMs) {
    return nowMs >= blockedUntilMs && breaker.tryAcquire(nowMs, cooldownMs);
  }

  synchronized boolean available(long nowMs, long cooldownMs) {
    return nowMs >= blockedUntilMs && breaker.available(nowMs, cooldownMs);
  }

  synchronized void success(long nowMs, long latencyMs) {
    add(new Sample(nowMs, true, latencyMs));
    breaker.success();
  }

  synchronized void failure(long nowMs, long latencyMs, String outcome, String message, int threshold) {
    add(new Sample(nowMs, false, latencyMs));
    breaker.failure(nowMs, threshold);
    lastError = new LastError(nowMs, outcome, message);
  }

  synchronized void abandoned() {
    breaker.abandoned();
  }

  /** The upstream asked us to wait: no request goes to this channel before {@code untilMs}. */
  synchronized void blockUntil(long untilMs) {
    blockedUntilMs = Math.max(blockedUntilMs, untilMs);
  }

  private void add(Sample sample) {
    samples.addLast(sample);
    while (samples.size() > MAX_SAMPLES) {
      samples.removeFirst();
    }
  }

  /** State, success rate and latency percentiles over the window, for operators and route previews. */
  public synchronized Map<String, Object> snapshot(long nowMs, long cooldownMs) {
    long[] latencies = new long[samples.size()];
    int count = 0;
    int ok = 0;
    for (Iterator<Sample> it = samples.descendingIterator(); it.hasNext(); ) {
      Sample s = it.next();
      if (nowMs - s.atMs() > WINDOW_MS) {
        break;
      }
      latencies[count++] = s.latencyMs();
      if (s.ok()) {
        ok++;
      }
    }
    Arrays.sort(latencies, 0, count);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("channel", channelId);
    Breaker.State state = breaker.state(nowMs, cooldownMs);
    out.put("state", nowMs < blockedUntilMs ? "retry_after" : state.name().toLowerCase(java.util.Locale.ROOT));
    out.put("window_ms", WINDOW_MS);
    out.put("requests", count);
    out.put("success_rate", count == 0 ? null : Math.round(1000.0 * ok / count) / 1000.0);
    out.put("latency_p50_ms", count == 0 ? null : latencies[(count - 1) / 2]);
    out.put("latency_p95_ms", count == 0 ? null : latencies[Math.min(count - 1, (int) Math.ceil(count * 0.95) - 1)]);
    out.put("consecutive_failures", breaker.consecutiveFailures());
    if (nowMs < blockedUntilMs) {
      out.put("retry_after_until_ms", blockedUntilMs);
    }
    if (lastError != null) {
      out.put("last_error", Map.of("at_ms", lastError.atMs(), "outcome", lastError.outcome(), "message", lastError.message()));
    }
    return out;
  }
}
