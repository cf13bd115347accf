package io.tollgate.config;

import java.util.List;
import java.util.Objects;

/**
 * How the gateway logs: the {@code logging:} section. Applied to Logback at start-up and on every reload.
 *
 * @param format {@code text} (one readable line per event) or {@code json} (one JSON object per line)
 * @param level the root level, lower case: {@code trace}, {@code debug}, {@code info}, {@code warn}, {@code error}
 *     or {@code off}
 * @param accessLog whether each proxied request writes its line on {@code tollgate.access}
 */
public record LoggingConfig(Format format, String level, boolean accessLog) {
  public enum Format { TEXT, JSON }

  public static final List<String> LEVELS = List.of("trace", "debug", "info", "warn", "error", "off");
  public static final LoggingConfig DEFAULTS = new LoggingConfig(Format.TEXT, "info", true);

  public LoggingConfig {
    Objects.requireNonNull(format, "format");
    if (!LEVELS.contains(level)) {
      throw new IllegalArgumentException("level: '" + level + "' (expected: one of " + LEVELS + ")");
    }
  }
}
