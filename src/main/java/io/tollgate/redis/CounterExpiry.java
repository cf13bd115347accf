package io.tollgate.redis;

import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * How long a counter's key lives in Redis, from the window its key names (the part after its last {@code |}, as the
 * limits room makes it): until well after the window ends, with the same margins the core forgets counters by (a
 * minute for a minute window, two days for a day or a month: wider than any time zone's offset). A run's counter
 * lives two days past its last use (a run ends long before; the core forgets it when the run ends). Lifetime counters
 * and wallets never expire.
 */
final class CounterExpiry {
  static final long NEVER = 0;
  private static final long MINUTE_MS = 60_000;
  private static final long DAY_MS = 86_400_000;

  private CounterExpiry() {}

  /** Milliseconds from {@code now} until the key of {@code counter} may go; {@link #NEVER} for none. */
  static long ttlMs(String counter, Instant now) {
    String window = counter.substring(counter.lastIndexOf('|') + 1);
    Instant until;
    try {
      if (window.length() > 1 && window.charAt(0) == 'm' && window.chars().skip(1).allMatch(Character::isDigit)) {
        until = Instant.ofEpochSecond((Long.parseLong(window.substring(1)) + 1) * 60).plusMillis(MINUTE_MS);
      } else if (window.length() == 10) {
        until = LocalDate.parse(window).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().plusMillis(2 * DAY_MS);
      } else if (window.equals("run")) {
        return 2 * DAY_MS;
      } else if (window.length() == 7) {
        until = YearMonth.parse(window).plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().plusMillis(2 * DAY_MS);
      } else {
        return NEVER;
      }
    } catch (DateTimeParseException | NumberFormatException e) {
      return NEVER;
    }
    // a window that ended long ago still gets a moment: a settle may recount it, then it goes
    return Math.max(MINUTE_MS, until.toEpochMilli() - now.toEpochMilli());
  }
}
