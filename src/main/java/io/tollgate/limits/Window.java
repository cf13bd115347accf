package io.tollgate.limits;

import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/** A limit's window. Day and month are calendar windows in the configured time zone. */
public enum Window {
  MINUTE("minute"),
  DAY("daily"),
  MONTH("monthly"),
  LIFETIME("lifetime"),
  /** One research run's envelope: the counter is the run's, and lives as long as the run. */
  RUN("envelope");

  private final String adjective;

  Window(String adjective) {
    this.adjective = adjective;
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** As used in refusal codes: {@code route_daily_spend_limit_reached}. */
  public String adjective() {
    return adjective;
  }

  /** Names the window containing {@code at}: {@code 2026-11-30}, {@code 2026-11}, {@code m29453121} or {@code all}. */
  public String key(Instant at, ZoneId zone) {
    return switch (this) {
      case MINUTE -> "m" + at.getEpochSecond() / 60;
      case DAY -> LocalDate.ofInstant(at, zone).toString();
      case MONTH -> YearMonth.from(at.atZone(zone)).toString();
      case LIFETIME -> "all";
      case RUN -> "run";
    };
  }

  /** When the window containing {@code at} ends; null for lifetime. */
  public Instant resetsAt(Instant at, ZoneId zone) {
    ZonedDateTime local = at.atZone(zone);
    return switch (this) {
      case MINUTE -> Instant.ofEpochSecond((at.getEpochSecond() / 60 + 1) * 60);
      case DAY -> local.toLocalDate().plusDays(1).atStartOfDay(zone).toInstant();
      case MONTH -> YearMonth.from(local).plusMonths(1).atDay(1).atStartOfDay(zone).toInstant();
      case LIFETIME, RUN -> null;
    };
  }

  /**
   * Whether the window named {@code key} (as made by {@link #key}) ended well before {@code now}: a minute
   * over a minute ago, a day over two days ago, a month over a month ago (margins wider than any time
   * zone's offset). Lifetime windows and keys it does not recognise never end.
   */
  public static boolean endedLongBefore(String key, Instant now) {
    try {
      if (key.startsWith("m")) {
        return Long.parseLong(key.substring(1)) < now.getEpochSecond() / 60 - 1;
      }
      LocalDate today = LocalDate.ofInstant(now, java.time.ZoneOffset.UTC);
      if (key.length() == 10) {
        return LocalDate.parse(key).isBefore(today.minusDays(2));
      }
      if (key.length() == 7) {
        return YearMonth.parse(key).isBefore(YearMonth.from(today).minusMonths(1));
      }
    } catch (RuntimeException notAWindowKey) {
      return false;
    }
    return false;
  }

  public static Window parse(String name) {
    for (Window w : values()) {
      if (w.wireName().equalsIgnoreCase(name)) {
        return w;
      }
    }
    return null;
  }

  static long secondsUntil(Instant reset, Instant now) {
    return Math.max(1, ChronoUnit.SECONDS.between(now, reset) + (reset.getNano() > now.getNano() ? 1 : 0));
  }
}
