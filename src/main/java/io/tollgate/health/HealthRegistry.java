package io.tollgate.health;

import io.tollgate.config.Channel;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Health of every channel, by id; survives configuration reloads for channels that keep their id. */
public final class HealthRegistry {
  private final Clock clock;
  private final ConcurrentHashMap<String, ChannelHealth> channels = new ConcurrentHashMap<>();

  public HealthRegistry(Clock clock) {
    this.clock = clock;
  }

  private ChannelHealth of(Channel channel) {
    return channels.computeIfAbsent(channel.id(), ChannelHealth::new);
  }

  /** Whether a request may go to {@code channel} now (taking the half-open probe slot if that is what lets it). */
  public boolean tryAcquire(Channel channel) {
    return of(channel).tryAcquire(clock.millis(), channel.breakerCooldownMs());
  }

  /** Whether {@code channel} would take a request now; does not take the probe slot. */
  public boolean available(Channel channel) {
    return of(channel).available(clock.millis(), channel.breakerCooldownMs());
  }

  public void success(Channel channel, long latencyMs) {
    of(channel).success(clock.millis(), latencyMs);
  }

  public void failure(Channel channel, long latencyMs, String outcome, String message) {
    of(channel).failure(clock.millis(), latencyMs, outcome, message, channel.breakerFailures());
  }

  public void abandoned(Channel channel) {
    of(channel).abandoned();
  }

  /** Honours an upstream's {@code Retry-After} (seconds) for this channel. */
  public void retryAfter(Channel channel, long seconds) {
    of(channel).blockUntil(clock.millis() + Math.min(seconds, 3_600) * 1000);
  }

  /** The few figures users see of a channel: state, success rate and median latency ("unknown" before any request). */
  public Map<String, Object> summary(Channel channel) {
    Map<String, Object> full = snapshot(channel);
    return Map.of("state", full.get("state"), "requests", full.get("requests"),
        "success_rate", full.get("success_rate") == null ? "unknown" : full.get("success_rate"),
        "latency_p50_ms", full.get("latency_p50_ms") == null ? "unknown" : full.get("latency_p50_ms"));
  }

  public Map<String, Object> snapshot(Channel channel) {
    return of(channel).snapshot(clock.millis(), channel.breakerCooldownMs());
  }
}
