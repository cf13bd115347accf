package io.tollgate.health;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One channel's recent outcomes, breaker and Retry-After. Thread-safe; every method takes the lock briefly.
 * Logs each breaker transition, and upstream failures at most once per {@link #FAILURE_LOG_INTERVAL_MS} with a
 * count of those in between, so a failing channel says so without flooding the log. Failure messages arrive
 * redacted (the request path masks credentials before it reports them here).
 */
public final class ChannelHealth {
  private static final Logger LOG = LoggerFactory.getLogger(ChannelHealth.class);
  static final long WINDOW_MS = 5 * 60_000;
  static final long FAILURE_LOG_INTERVAL_MS = 10_000;
  private static final int MAX_SAMPLES = 1024;

  private record Sample(long atMs, boolean ok, long latencyMs) {}

  /** The last failure, as shown to operators. */
  public record LastError(long atMs, String outcome, String message) {}

  private final String channelId;
  private final ArrayDeque<Sample> samples = new ArrayDeque<>();
  private final Breaker breaker = new Breaker();
  private long blockedUntilMs;
  private LastError lastError;
  private long failureLoggedAtMs = Long.MIN_VALUE;
  private int failuresNotLogged;

  ChannelHealth(String channelId) {
    this.channelId = channelId;
  }

  synchronized boolean tryAcquire(long nowMs, long cooldownMs) {
    Breaker.State before = breaker.current();
    boolean acquired = nowMs >= blockedUntilMs && breaker.tryAcquire(nowMs, cooldownMs);
    halfOpened(before);
    return acquired;
  }

  synchronized boolean available(long nowMs, long cooldownMs) {
    Breaker.State before = breaker.current();
    boolean available = nowMs >= blockedUntilMs && breaker.available(nowMs, cooldownMs);
    halfOpened(before);
    return available;
  }

  synchronized void success(long nowMs, long latencyMs) {
    add(new Sample(nowMs, true, latencyMs));
    Breaker.State before = breaker.current();
    breaker.success();
    if (before != Breaker.State.CLOSED) {
      LOG.info("channel {}: circuit closed: the probe succeeded", channelId);
    }
  }

  synchronized void failure(long nowMs, long latencyMs, String outcome, String message, int threshold) {
    add(new Sample(nowMs, false, latencyMs));
    Breaker.State before = breaker.current();
    breaker.failure(nowMs, threshold);
    lastError = new LastError(nowMs, outcome, message);
    logFailure(nowMs, latencyMs, outcome, message);
    if (breaker.current() == Breaker.State.OPEN && before == Breaker.State.HALF_OPEN) {
      LOG.warn("channel {}: circuit open again: the probe failed ({})", channelId, outcome);
    } else if (breaker.current() == Breaker.State.OPEN && before == Breaker.State.CLOSED) {
      LOG.warn("channel {}: circuit open after {} consecutive failures (last: {}); its legs are skipped until a probe"
          + " succeeds", channelId, breaker.consecutiveFailures(), outcome);
    }
  }

  private void logFailure(long nowMs, long latencyMs, String outcome, String message) {
    if (failureLoggedAtMs != Long.MIN_VALUE && nowMs - failureLoggedAtMs < FAILURE_LOG_INTERVAL_MS) {
      failuresNotLogged++;
      return;
    }
    LOG.warn("channel {}: upstream {} after {} ms: {}{}", channelId, outcome, latencyMs, message,
        failuresNotLogged == 0 ? "" : " (" + failuresNotLogged + " more failures on this channel since the last such line)");
    failureLoggedAtMs = nowMs;
    failuresNotLogged = 0;
  }

  /** The breaker moves from open to half open lazily, when asked after its cooldown: that is when it is logged. */
  private void halfOpened(Breaker.State before) {
    if (before == Breaker.State.OPEN && breaker.current() == Breaker.State.HALF_OPEN) {
      LOG.info("channel {}: circuit half-open after its cooldown; the next request probes it", channelId);
    }
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
    Breaker.State before = breaker.current();
    Breaker.State state = breaker.state(nowMs, cooldownMs);
    halfOpened(before);
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
