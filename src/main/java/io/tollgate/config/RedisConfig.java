package io.tollgate.config;

import java.net.URI;
import java.util.Set;

/**
 * {@code redis:}: the hot counters of a cluster of gateway processes (see docs/scale-out.md). Absent: every counter
 * lives in this process's accounting core alone. Read at start; a reload keeps the one the process started with.
 *
 * @param url where Redis listens, {@code redis://host:port} (optionally {@code /db}, user and password)
 * @param keyPrefix the prefix of every key Tollgate writes; gateways sharing counters share it
 * @param connectTimeoutMs how long connecting may take before admission fails closed
 * @param commandTimeoutMs how long one script may take before admission fails closed
 * @param holdGraceMs how long past a hold's own expiry a sweep in any process releases it from Redis: its owner
 *     normally voids it first; a dead owner's hold is released then
 * @param checkIntervalMs how often each process checks that Redis still holds the counters (a restart empties it),
 *     rebuilds them when not, and sweeps expired holds' retries
 * @param retryAfterSeconds the {@code Retry-After} of a 503 {@code accounting_unavailable}
 */
public record RedisConfig(URI url, String keyPrefix, long connectTimeoutMs, long commandTimeoutMs, long holdGraceMs,
    long checkIntervalMs, long retryAfterSeconds) {

  public static final String DEFAULT_PREFIX = "tollgate:";

  /** Parses a {@code redis:} section; null when there is none. */
  static RedisConfig parse(Node node, java.util.function.BiFunction<Node, String, String> environment) {
    if (node.isMissing()) {
      return null;
    }
    node.onlyKeys(Set.of("url", "key_prefix", "connect_timeout_ms", "command_timeout_ms", "hold_grace_ms",
        "check_interval_ms", "retry_after_seconds"));
    if (!node.has("url")) {
      throw node.error("url is missing", "write it like url: redis://127.0.0.1:6379");
    }
    // ${REDIS_URL} and the like are read from the environment: a password stays out of the file
    String written = environment.apply(node.child("url"), node.text("url"));
    URI url;
    try {
      url = URI.create(written);
    } catch (IllegalArgumentException e) {
      throw node.child("url").error("not a valid URL: " + written, "write it like redis://127.0.0.1:6379");
    }
    if (!("redis".equals(url.getScheme()) || "rediss".equals(url.getScheme())) || url.getHost() == null) {
      throw node.child("url").error("'" + written + "' is not a redis:// URL", "write it like redis://127.0.0.1:6379");
    }
    String prefix = node.text("key_prefix", DEFAULT_PREFIX);
    if (prefix.isBlank() || prefix.length() > 64 || prefix.chars().anyMatch(ch -> ch <= ' ' || ch == '*' || ch == '?'
        || ch == '[')) {
      throw node.child("key_prefix").error("key_prefix '" + prefix + "' (expected: 1 to 64 characters without spaces"
          + " or * ? [)", "write it like key_prefix: \"tollgate:\"");
    }
    long hourMs = 3_600_000;
    return new RedisConfig(url, prefix,
        node.integer("connect_timeout_ms", 10, 60_000, 1_000),
        node.integer("command_timeout_ms", 10, 60_000, 1_000),
        node.integer("hold_grace_ms", 0, 24 * hourMs, 60_000),
        node.integer("check_interval_ms", 50, hourMs, 1_000),
        node.integer("retry_after_seconds", 1, 3_600, 1));
  }
}
