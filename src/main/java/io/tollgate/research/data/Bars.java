package io.tollgate.research.data;

import java.time.LocalDate;
import java.util.List;

/**
 * Daily bars of one symbol, oldest first.
 *
 * @param source where they came from, as a report names it ({@code sample data}, a directory, a URL)
 * @param sample true for the bundled sample set: every report that uses it says so
 */
public record Bars(String symbol, String source, boolean sample, List<Bar> bars) {
  public Bars {
    bars = List.copyOf(bars);
    for (int i = 1; i < bars.size(); i++) {
      if (!bars.get(i).date().isAfter(bars.get(i - 1).date())) {
        throw new IllegalArgumentException(symbol + ": bar " + i + " dated " + bars.get(i).date()
            + " (expected: after " + bars.get(i - 1).date() + ")");
      }
    }
  }

  public LocalDate first() {
    return bars.isEmpty() ? null : bars.get(0).date();
  }

  public LocalDate last() {
    return bars.isEmpty() ? null : bars.get(bars.size() - 1).date();
  }

  /** The last {@code days} bars (all of them when there are fewer). */
  public Bars lastDays(int days) {
    if (days <= 0 || days >= bars.size()) {
      return this;
    }
    return new Bars(symbol, source, sample, bars.subList(bars.size() - days, bars.size()));
  }
}
